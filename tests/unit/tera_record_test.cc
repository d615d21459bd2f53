// Sort Benchmark records as teragen makes them (jobs/terasort/tera_record.h).
#include "terasort/tera_record.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "minimr/testing.h"

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

// teragen in-process: its synthetic splits become the map tasks, its row-range partitioner cuts
// the rows into reduce tasks in order.
TEST(TeraGenJobTest, MakesEveryRowOnceInRowOrderAcrossReduceTasks) {
  minimr::testing::JobOutput output = minimr::testing::JobHarness::ForJob("teragen")
                                          .Param("records", "1000")
                                          .Param("seed", "3")
                                          .Param("map_tasks", "3")
                                          .ReduceTasks(4)
                                          .Run();
  ASSERT_EQ(output.partitions.size(), 4u);
  uint64_t row = 0;
  for (const minimr::testing::Records& partition : output.partitions) {
    EXPECT_EQ(partition.size(), 250u);
    for (const auto& [key, value] : partition) {
      EXPECT_EQ(key + value, Record(3, row)) << "row " << row;
      ++row;
    }
  }
  EXPECT_EQ(row, 1000u);
  EXPECT_EQ(output.counters.Get("map.input.records"), 1000);
  EXPECT_EQ(output.counters.Get(kRecordsCounter), 1000);
}

}  // namespace
}  // namespace terasort
