// Frames: after the handshake, every message travels as
//   u32 big-endian length of the type and body | u8 MessageType | body | MAC (kFrameMacBytes)
// where the MAC authenticates the frame and its place in the connection (frame_mac.h). A frame
// longer than the connection's limit, or whose MAC does not check, closes the connection.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace minimr::wire {

constexpr size_t kFrameHeaderBytes = 4;
// The first 16 bytes of an HMAC-SHA256.
constexpr size_t kFrameMacBytes = 16;
// Large enough for any control message and one piece of map output.
constexpr size_t kMaxFrameBytes = 16u << 20;
// Map output is sent in pieces of this size.
constexpr size_t kFetchPieceBytes = 1u << 20;

inline std::array<uint8_t, kFrameHeaderBytes> EncodeFrameLength(uint32_t length) {
  return {uint8_t(length >> 24), uint8_t(length >> 16), uint8_t(length >> 8), uint8_t(length)};
}

// REQUIRES: `header` points at kFrameHeaderBytes bytes.
inline uint32_t DecodeFrameLength(const char* header) {
  auto byte = [header](int i) { return uint32_t(static_cast<uint8_t>(header[i])); };
  return byte(0) << 24 | byte(1) << 16 | byte(2) << 8 | byte(3);
}

inline uint32_t DecodeFrameLength(const std::array<uint8_t, kFrameHeaderBytes>& header) {
  return DecodeFrameLength(reinterpret_cast<const char*>(header.data()));
}

}  // namespace minimr::wire
