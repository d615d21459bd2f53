// The MAC of one direction of a connection. Each frame's MAC is the first kFrameMacBytes of
//   HMAC-SHA256(direction key, u64 big-endian sequence number | length | type | body)
// where the sequence number counts the frames sent that way from 0 and is never sent: both
// sides count. A frame changed, replayed, reordered, reflected back to its sender or carried
// over from another connection does not check, because its key or its number differ.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "framework/src/wire/frame.h"
#include "framework/src/wire/handshake.h"

struct hmac_sha256_ctx;  // Nettle's, kept out of this widely included header

namespace minimr::wire {

class FrameMac {
 public:
  using Tag = std::array<uint8_t, kFrameMacBytes>;

  explicit FrameMac(const Key& direction_key);
  ~FrameMac();  // wipes the keyed state
  FrameMac(const FrameMac&) = delete;
  FrameMac& operator=(const FrameMac&) = delete;

  // The tag of the next frame, whose bytes (header, type, body, without the tag) are `pieces`
  // in order. Counts the frame.
  Tag Next(std::initializer_list<std::string_view> pieces);
  // Whether `tag` (kFrameMacBytes bytes) is the next frame's, compared in constant time. Counts
  // the frame either way (a connection ends at the first frame that fails).
  bool CheckNext(std::initializer_list<std::string_view> pieces, const uint8_t* tag);
  // Fills in the tag of a whole frame: header, type, body, then kFrameMacBytes for the tag.
  // REQUIRES: frame->size() > kFrameHeaderBytes + kFrameMacBytes. Counts the frame.
  void Seal(std::string* frame);
  // Whether a frame read as its header and the rest (type, body, then the tag) checks.
  // REQUIRES: rest.size() > kFrameMacBytes. Counts the frame.
  bool Open(const std::array<uint8_t, kFrameHeaderBytes>& header, std::string_view rest);
  // How many frames have been counted.
  uint64_t frames() const { return sequence_; }

 private:
  // Keyed once; each digest leaves it ready for the next frame.
  std::unique_ptr<hmac_sha256_ctx> keyed_;
  uint64_t sequence_ = 0;
};

}  // namespace minimr::wire
