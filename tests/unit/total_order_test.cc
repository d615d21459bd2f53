// The total order partitioner and its cut points (minimr/total_order.h).
#include "minimr/total_order.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "minimr/params.h"
#include "tests/common/temp_dir.h"

namespace minimr {
namespace {

TEST(CutPointsTest, AreTheSortedSampleAtEvenFractions) {
  std::vector<std::string> sample;
  for (int i = 99; i >= 0; --i)
    sample.push_back(std::string(1, char('a' + i % 26)) + std::to_string(i));
  std::vector<std::string> sorted = sample;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(CutPoints(sample, 4), (std::vector<std::string>{sorted[25], sorted[50], sorted[75]}));
  EXPECT_EQ(CutPoints(sample, 1), std::vector<std::string>{});
  EXPECT_EQ(CutPoints({}, 4), std::vector<std::string>{});
}

TEST(CutPointsTest, RoundTripThroughAParameterWithAnyBytes) {
  const std::vector<std::string> cuts = {std::string("\0\x01", 2), "A,b", "\xff\xfe"};
  const std::string text = EncodeCutPoints(cuts);
  EXPECT_EQ(text, "0001,412c62,fffe");
  EXPECT_EQ(DecodeCutPoints(text, "cut_points"), cuts);
  EXPECT_EQ(DecodeCutPoints("", "cut_points"), std::vector<std::string>{});
}

TEST(CutPointsTest, MalformedTextIsRefusedNamingTheParameter) {
  EXPECT_THROW(DecodeCutPoints("0g", "cut_points"), ParamError);
  EXPECT_THROW(DecodeCutPoints("abc", "cut_points"), ParamError);
  EXPECT_THROW(DecodeCutPoints("61,", "cut_points"), ParamError);
  try {
    DecodeCutPoints("62,61", "cut_points");
    FAIL() << "decreasing cut points were accepted";
  } catch (const ParamError& e) {
    EXPECT_EQ(std::string(e.what()),
              "params.cut_points: cut point 2 sorts before the one before it: cut points must "
              "increase");
  }
}

TEST(TotalOrderPartitionerTest, SendsAKeyToTheRangeBetweenCutPoints) {
  TotalOrderPartitioner partitioner("cut_points");
  partitioner.SetCutPoints({"d", "m", "t"});
  EXPECT_EQ(partitioner.Partition("a", 4), 0);
  EXPECT_EQ(partitioner.Partition("czzz", 4), 0);
  EXPECT_EQ(partitioner.Partition("d", 4), 1);  // a cut point starts its range
  EXPECT_EQ(partitioner.Partition("l", 4), 1);
  EXPECT_EQ(partitioner.Partition("m", 4), 2);
  EXPECT_EQ(partitioner.Partition("t", 4), 3);
  EXPECT_EQ(partitioner.Partition("\xff", 4), 3);
  EXPECT_EQ(partitioner.Partition("", 4), 0);
}

TEST(TotalOrderPartitionerTest, RefusesCutPointsThatDoNotMatchTheReduceTasks) {
  TotalOrderPartitioner partitioner("cut_points");
  partitioner.SetCutPoints({"d", "m"});
  EXPECT_THROW(partitioner.Partition("a", 4), std::runtime_error);
  EXPECT_EQ(partitioner.Partition("a", 3), 0);
}

TEST(SampleKeysTest, TakesRecordsFromPointsSpreadOverTheInput) {
  const testing::TempDir temp("sample");
  const std::filesystem::path& dir = temp.path();
  // Two files of 10-byte records "k0000NNNN\n"; keys are the first 4 bytes after "k".
  InputFiles files;
  int n = 0;
  for (const char* name : {"a", "b"}) {
    std::ofstream out(dir / name, std::ios::binary);
    for (int i = 0; i < 500; ++i, ++n) {
      char record[16];
      std::snprintf(record, sizeof record, "k%08d", n);
      out.write(record, 9);
      out.put('\n');
    }
    out.close();
    files.paths.push_back((dir / name).string());
    files.sizes.push_back(5000);
  }
  FixedRecordInputFormat format(10, 9);
  const std::vector<std::string> keys = SampleKeys(files, format, 40, 4);
  // 10 records from each quarter of the 1000: starting at records 0, 250, 500 and 750.
  ASSERT_EQ(keys.size(), 40u);
  EXPECT_EQ(keys[0], "k00000000");
  EXPECT_EQ(keys[10], "k00000250");
  EXPECT_EQ(keys[20], "k00000500");
  EXPECT_EQ(keys[39], "k00000759");
}

}  // namespace
}  // namespace minimr
