// Sort Benchmark records as teragen makes them (jobs/terasort/tera_record.h).
#include "terasort/tera_record.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace terasort {
namespace {

std::string Record(uint64_t seed, uint64_t row) {
  std::string record(kRecordSize, '\0');
  MakeRecord(seed, row, record.data());
  return record;
}

TEST(TeraRecordTest, HasGensortsAsciiLayout) {
  const std::string record = Record(0, 0x1234abcd);
  for (size_t i = 0; i < kKeySize; ++i) {
    EXPECT_GE(record[i], ' ');
    EXPECT_LE(record[i], '~');
  }
  EXPECT_EQ(record.substr(10, 2), "  ");
  EXPECT_EQ(record.substr(12, 32),
            "000000000000000000000000"
            "1234ABCD");
  EXPECT_EQ(record.substr(44, 2), "  ");
  EXPECT_EQ(record.substr(46, 8), "DDDDCCCC");  // the row's lowest hex digits, four times each
  EXPECT_EQ(record.substr(98), "\r\n");
}

TEST(TeraRecordTest, IsAFunctionOfSeedAndRow) {
  EXPECT_EQ(Record(5, 17), Record(5, 17));
  EXPECT_NE(Record(5, 17).substr(0, kKeySize), Record(6, 17).substr(0, kKeySize));
  std::set<std::string> keys;
  for (uint64_t row = 0; row < 10000; ++row) keys.insert(Record(0, row).substr(0, kKeySize));
  EXPECT_EQ(keys.size(), 10000u);  // 95^10 keys: a repeat among 10,000 would be a bug
}

TEST(TeraRecordTest, ChecksumIsZlibsCrc32OfTheWholeRecord) {
  EXPECT_EQ(RecordCrc("1234", "56789"), 0xcbf43926u);  // CRC-32's check value
}

}  // namespace
}  // namespace terasort
