#include "framework/src/wire/frame_mac.h"

#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <string.h>

#include <algorithm>

namespace minimr::wire {

FrameMac::FrameMac(const Key& direction_key) : keyed_(std::make_unique<hmac_sha256_ctx>()) {
  hmac_sha256_set_key(keyed_.get(), direction_key.size(), direction_key.data());
}

// As OpenSSL did with its contexts: no state derived from the key outlives the connection.
FrameMac::~FrameMac() { explicit_bzero(keyed_.get(), sizeof *keyed_); }

FrameMac::Tag FrameMac::Next(std::initializer_list<std::string_view> pieces) {
  uint8_t sequence[8];
  for (int i = 0; i < 8; ++i) sequence[i] = static_cast<uint8_t>(sequence_ >> (56 - 8 * i));
  ++sequence_;
  hmac_sha256_update(keyed_.get(), sizeof sequence, sequence);
  for (std::string_view piece : pieces) {
    hmac_sha256_update(keyed_.get(), piece.size(), reinterpret_cast<const uint8_t*>(piece.data()));
  }
  Tag tag;  // the first kFrameMacBytes of the HMAC, as nettle truncates it
  hmac_sha256_digest(keyed_.get(), tag.size(), tag.data());
  return tag;
}

bool FrameMac::CheckNext(std::initializer_list<std::string_view> pieces, const uint8_t* tag) {
  Tag expected = Next(pieces);
  return memeql_sec(expected.data(), tag, kFrameMacBytes) != 0;
}

void FrameMac::Seal(std::string* frame) {
  size_t covered = frame->size() - kFrameMacBytes;
  Tag tag = Next({std::string_view(*frame).substr(0, covered)});
  std::copy(tag.begin(), tag.end(), frame->begin() + static_cast<ptrdiff_t>(covered));
}

bool FrameMac::Open(const std::array<uint8_t, kFrameHeaderBytes>& header, std::string_view rest) {
  size_t length = rest.size() - kFrameMacBytes;
  return CheckNext({std::string_view(reinterpret_cast<const char*>(header.data()), header.size()),
                    rest.substr(0, length)},
                   reinterpret_cast<const uint8_t*>(rest.data()) + length);
}

}  // namespace minimr::wire
