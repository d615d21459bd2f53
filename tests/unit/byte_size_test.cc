#include "framework/src/config/byte_size.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>

namespace minimr::config {
namespace {

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = kKiB * 1024;
constexpr uint64_t kGiB = kMiB * 1024;

TEST(ParseByteSizeTest, PlainNumberIsBytes) {
  EXPECT_EQ(ParseByteSize("1000000"), 1000000u);
  EXPECT_EQ(ParseByteSize("7"), 7u);
}

TEST(ParseByteSizeTest, BSuffixIsBytes) { EXPECT_EQ(ParseByteSize("512B"), 512u); }

TEST(ParseByteSizeTest, DecimalUnitsArePowersOfThousand) {
  EXPECT_EQ(ParseByteSize("10KB"), 10'000u);
  EXPECT_EQ(ParseByteSize("10MB"), 10'000'000u);
  EXPECT_EQ(ParseByteSize("2GB"), 2'000'000'000u);
  EXPECT_EQ(ParseByteSize("3TB"), 3'000'000'000'000u);
}

TEST(ParseByteSizeTest, BinaryUnitsArePowersOf1024) {
  EXPECT_EQ(ParseByteSize("64KiB"), 64 * kKiB);
  EXPECT_EQ(ParseByteSize("8MiB"), 8 * kMiB);
  EXPECT_EQ(ParseByteSize("1GiB"), kGiB);
  EXPECT_EQ(ParseByteSize("2TiB"), 2 * kGiB * 1024);
}

TEST(ParseByteSizeTest, SpacesBeforeTheUnitAreAllowed) {
  EXPECT_EQ(ParseByteSize("8 MiB"), 8 * kMiB);
  EXPECT_EQ(ParseByteSize("10 MB"), 10'000'000u);
  EXPECT_EQ(ParseByteSize("5 B"), 5u);
}

TEST(ParseByteSizeTest, ZeroParsesAsZero) { EXPECT_EQ(ParseByteSize("0"), 0u); }

TEST(ParseByteSizeTest, UnitsAreCaseSensitive) {
  for (const char* text : {"8mib", "8MIB", "8kb", "8Kb", "8kB", "8mb", "8b", "8KIB"}) {
    EXPECT_EQ(ParseByteSize(text), std::nullopt) << text;
  }
}

TEST(ParseByteSizeTest, RejectsGarbage) {
  for (const char* text : {"", "MiB", "8 MiBs", "8MiBs", "1.5GiB", "2.5", "-1", "+1", "1e3",
                           " 8MiB", "8MiB ", "8 ", "0x10", "8 M", "8 iB", "eight"}) {
    EXPECT_EQ(ParseByteSize(text), std::nullopt) << "'" << text << "'";
  }
}

TEST(ParseByteSizeTest, LargestCountParses) {
  EXPECT_EQ(ParseByteSize("18446744073709551615"), std::numeric_limits<uint64_t>::max());
}

TEST(ParseByteSizeTest, RejectsCountsThatOverflow) {
  EXPECT_EQ(ParseByteSize("18446744073709551616"), std::nullopt);
  EXPECT_EQ(ParseByteSize("99999999999999999999999"), std::nullopt);
  EXPECT_EQ(ParseByteSize("17179869184GiB"), std::nullopt);  // 2^34 GiB = 2^64 bytes
  EXPECT_EQ(ParseByteSize("20000000000GB"), std::nullopt);
}

TEST(FormatBytesTest, BelowOneKiBIsWholeBytes) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(1), "1 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
}

TEST(FormatBytesTest, LargerCountsHaveOneDecimalInTheLargestUnit) {
  EXPECT_EQ(FormatBytes(kKiB), "1.0 KiB");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(FormatBytes(8 * kMiB), "8.0 MiB");
  EXPECT_EQ(FormatBytes(kGiB), "1.0 GiB");
  EXPECT_EQ(FormatBytes(150'000'000), "143.1 MiB");
  EXPECT_EQ(FormatBytes(3 * kGiB * 1024), "3.0 TiB");
}

TEST(FormatBytesTest, RoundsUpIntoTheNextUnitInsteadOfPrinting1024) {
  EXPECT_EQ(FormatBytes(kMiB - 1), "1.0 MiB");
  EXPECT_EQ(FormatBytes(kGiB - 1), "1.0 GiB");
}

TEST(FormatBytesTest, LargestCountIsSixteenEiB) {
  EXPECT_EQ(FormatBytes(std::numeric_limits<uint64_t>::max()), "16.0 EiB");
}

}  // namespace
}  // namespace minimr::config
