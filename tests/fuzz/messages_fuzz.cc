// Fuzz target: wire::Decode for every message struct of messages.h. The input's first byte picks
// the struct (kMessageKinds), the rest is the encoded message; message_round_trip.h says what is
// checked.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

#include "tests/fuzz/message_round_trip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using minimr::fuzz::kMessageKinds;
  if (size == 0 || data[0] >= std::size(kMessageKinds)) return 0;
  kMessageKinds[data[0]].decode(
      std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
