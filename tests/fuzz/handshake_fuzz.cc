// Fuzz target: the handshake's parsers over arbitrary bytes. The input's first kHelloPrefixBytes
// are what CheckHelloPrefix reads and the next kHelloBytes - kHelloPrefixBytes what
// ParseHelloRest reads, each copied to a buffer of exactly that size (so AddressSanitizer sees any
// read past it).
//   CheckHelloPrefix accepts exactly the prefix MakeHello writes; otherwise it says one of the
//   things handshake.h lists (TLS, another protocol version, not a minimr peer).
//   ParseHelloRest accepts exactly the flags this version knows, and reads back the flags and
//   the nonce MakeHello would have written there.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "framework/src/wire/handshake.h"
#include "tests/fuzz/finding.h"

namespace minimr::fuzz {
namespace {

void CheckPrefix(const uint8_t* data) {
  const std::vector<uint8_t> prefix(data, data + wire::kHelloPrefixBytes);
  const std::string other = wire::CheckHelloPrefix(prefix.data());
  const wire::Hello genuine = wire::MakeHello(wire::Nonce{});
  const bool is_genuine = std::equal(prefix.begin(), prefix.end(), genuine.begin());
  MINIMR_FUZZ_CHECK(other.empty() == is_genuine,
                    "CheckHelloPrefix accepts exactly the prefix MakeHello writes");
  if (other.empty()) return;
  const bool tls = prefix[0] == 0x16 && prefix[1] == 0x03;
  const bool another_version =
      std::equal(genuine.begin(), genuine.begin() + 6, prefix.begin()) &&
      std::all_of(prefix.begin() + 6, prefix.end(), [](uint8_t c) { return c >= '0' && c <= '9'; });
  if (tls) {
    MINIMR_FUZZ_CHECK(other == "speaks TLS, this side does not", "a TLS record is named TLS");
  } else if (another_version) {
    const std::string version = std::to_string((prefix[6] - '0') * 10 + (prefix[7] - '0'));
    MINIMR_FUZZ_CHECK(other == "speaks minimr protocol " + version + ", this is " +
                                   std::to_string(wire::kProtocolVersion),
                      "another protocol version is named with both versions");
  } else {
    MINIMR_FUZZ_CHECK(other == "is not a minimr peer", "anything else is not a minimr peer");
  }
}

void CheckRest(const uint8_t* data) {
  const std::vector<uint8_t> rest(data, data + wire::kHelloBytes - wire::kHelloPrefixBytes);
  uint8_t flags = 0;
  wire::Nonce nonce{};
  const std::string error = wire::ParseHelloRest(rest.data(), &flags, &nonce);
  MINIMR_FUZZ_CHECK(flags == rest[0], "ParseHelloRest reads the flags");
  MINIMR_FUZZ_CHECK(error.empty() == ((rest[0] & ~wire::kHelloTlsRequired) == 0),
                    "ParseHelloRest accepts exactly the flags this version knows");
  if (error.empty()) {
    const wire::Hello made = wire::MakeHello(nonce, flags);
    MINIMR_FUZZ_CHECK(std::equal(rest.begin(), rest.end(), made.begin() + wire::kHelloPrefixBytes),
                      "ParseHelloRest reads the flags and nonce MakeHello writes");
  }
}

}  // namespace
}  // namespace minimr::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size >= minimr::wire::kHelloPrefixBytes) minimr::fuzz::CheckPrefix(data);
  if (size >= minimr::wire::kHelloBytes) {
    minimr::fuzz::CheckRest(data + minimr::wire::kHelloPrefixBytes);
  }
  return 0;
}
