// FillRandom: every byte asked for is written, and no two calls give the same bytes.
#include "framework/src/util/random_bytes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace minimr {
namespace {

TEST(FillRandom, WritesEveryByteItIsAskedFor) {
  // 64 KiB, more than one getrandom call may give at once; each byte value turns up.
  std::vector<uint8_t> bytes(1 << 16, 0);
  FillRandom(bytes.data(), bytes.size());
  std::array<bool, 256> seen{};
  for (uint8_t b : bytes) seen[b] = true;
  EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](bool s) { return s; }));
  // The last 32 bytes too: not all zero as they were.
  EXPECT_FALSE(std::all_of(bytes.end() - 32, bytes.end(), [](uint8_t b) { return b == 0; }));
}

TEST(FillRandom, TwoCallsDiffer) {
  std::array<uint8_t, 32> a{}, b{};
  FillRandom(a.data(), a.size());
  FillRandom(b.data(), b.size());
  EXPECT_NE(a, b);
}

TEST(FillRandom, NothingAskedNothingWritten) {
  uint8_t byte = 7;
  FillRandom(&byte, 0);
  EXPECT_EQ(byte, 7);
}

}  // namespace
}  // namespace minimr
