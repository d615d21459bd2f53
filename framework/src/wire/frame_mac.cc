#include "framework/src/wire/frame_mac.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace minimr::wire {

FrameMac::FrameMac(const Key& direction_key) {
  std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)> hmac(EVP_MAC_fetch(nullptr, "HMAC", nullptr),
                                                         &EVP_MAC_free);
  if (hmac) keyed_ = EVP_MAC_CTX_new(hmac.get());
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (!keyed_ || EVP_MAC_init(keyed_, direction_key.data(), direction_key.size(), params) != 1) {
    EVP_MAC_CTX_free(keyed_);
    throw std::runtime_error("OpenSSL cannot make an HMAC-SHA256");
  }
}

FrameMac::~FrameMac() { EVP_MAC_CTX_free(keyed_); }

FrameMac::Tag FrameMac::Next(std::initializer_list<std::string_view> pieces) {
  uint8_t sequence[8];
  for (int i = 0; i < 8; ++i) sequence[i] = static_cast<uint8_t>(sequence_ >> (56 - 8 * i));
  ++sequence_;
  // No key: the same key again, from its state kept in the context (half the cost of a copy of
  // the context per frame).
  bool ok = EVP_MAC_init(keyed_, nullptr, 0, nullptr) == 1 &&
            EVP_MAC_update(keyed_, sequence, sizeof sequence) == 1;
  for (std::string_view piece : pieces) {
    ok = ok && EVP_MAC_update(keyed_, reinterpret_cast<const unsigned char*>(piece.data()),
                              piece.size()) == 1;
  }
  unsigned char full[EVP_MAX_MD_SIZE];
  size_t length = 0;
  if (!ok || EVP_MAC_final(keyed_, full, &length, sizeof full) != 1 || length < kFrameMacBytes) {
    throw std::runtime_error("OpenSSL HMAC-SHA256 failed");
  }
  Tag tag;
  std::copy_n(full, kFrameMacBytes, tag.begin());
  return tag;
}

bool FrameMac::CheckNext(std::initializer_list<std::string_view> pieces, const uint8_t* tag) {
  Tag expected = Next(pieces);
  return CRYPTO_memcmp(expected.data(), tag, kFrameMacBytes) == 0;
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
