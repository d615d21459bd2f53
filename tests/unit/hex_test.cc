// minimr/hex.h: every byte as two lowercase hexadecimal digits, in order.
#include "minimr/hex.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace minimr {
namespace {

TEST(Hex, WritesEveryByteAsTwoLowercaseDigitsInOrder) {
  std::string bytes;
  std::string expected;
  for (int b = 0; b < 256; ++b) {
    bytes += static_cast<char>(b);
    char digits[3];
    std::snprintf(digits, sizeof digits, "%02x", b);
    expected += digits;
  }
  EXPECT_EQ(Hex(bytes), expected);
  EXPECT_EQ(Hex(std::string("a\x01", 2)), "6101");
  EXPECT_EQ(Hex(""), "");
}

}  // namespace
}  // namespace minimr
