// FixedRecordInputFormat: every record read exactly once, by the split where it starts.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "framework/src/runtime/job_plan.h"
#include "minimr/input.h"
#include "minimr/task_context.h"
#include "tests/common/temp_dir.h"

namespace minimr {
namespace {

class NoTask : public TaskContext {
 public:
  const Params& params() const override { return params_; }
  Counters& counters() override { return counters_; }
  const std::string& phase() const override { return name_; }
  int task_index() const override { return 0; }
  const std::string& input_file() const override { return name_; }
  const InputSplit& input_split() const override { return split_; }
  bool past_split_end() const override { return false; }

 private:
  Params params_;
  Counters counters_;
  std::string name_;
  InputSplit split_;
};

class FixedRecordInputFormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    temp_ = std::make_unique<testing::TempDir>("fixed");
    path_ = temp_->path() / "records";
    std::ofstream out(path_, std::ios::binary);
    for (int i = 0; i < 1000; ++i) {
      char record[8];
      std::snprintf(record, sizeof record, "%03d:%03d", i % 1000, i / 10);
      out.write(record, 7);  // 7-byte records: key "NNN", value ":MMM"
    }
  }
  void TearDown() override { temp_.reset(); }

  std::vector<std::string> ReadAll(uint64_t split_size) {
    runtime::JobPlan plan = runtime::PlanJob({path_.string()}, split_size);
    FixedRecordInputFormat format(7, 3);
    NoTask context;
    std::vector<std::string> records;
    for (const InputSplit& split : plan.splits) {
      auto reader = format.Open(plan.files, split, context);
      std::string_view key, value;
      while (reader->Next(&key, &value)) {
        EXPECT_EQ(key.size(), 3u);
        records.push_back(std::string(key) + std::string(value));
      }
    }
    return records;
  }

  std::unique_ptr<testing::TempDir> temp_;
  std::filesystem::path path_;
};

TEST_F(FixedRecordInputFormatTest, SplitsThatCutRecordsReadEachOnce) {
  const std::vector<std::string> whole = ReadAll(0);
  ASSERT_EQ(whole.size(), 1000u);
  EXPECT_EQ(whole[0], "000:000");
  EXPECT_EQ(whole[999], "999:099");
  for (uint64_t split_size : {1, 5, 7, 100, 1000, 6999}) {
    EXPECT_EQ(ReadAll(split_size), whole) << "split size " << split_size;
  }
}

TEST_F(FixedRecordInputFormatTest, AFileOfPartRecordsIsRefusedNamingIt) {
  std::ofstream(path_, std::ios::app) << "xy";
  try {
    ReadAll(0);
    FAIL() << "a file of 7002 bytes was read as 7-byte records";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              path_.string() + ": 7002 bytes is not a whole number of 7-byte records");
  }
}

// A split size of a few bytes (64 meant as 64MiB) is refused before its splits are made: 2 MB
// cut into bytes would be two million map tasks, and the master's memory with them.
TEST(PlanJobTest, MoreMapTasksThanAJobMayHaveAreRefusedNamingTheSplitSize) {
  testing::TempDir temp("plan");
  const std::filesystem::path path = temp.path() / "sparse";
  std::ofstream(path).close();
  std::filesystem::resize_file(path, 2 * runtime::kMaxMapTasks + 1);
  for (uint64_t split_size : {1, 2}) {
    try {
      runtime::PlanJob({path.string()}, split_size);
      ADD_FAILURE() << split_size << ": planned";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("input.split_size " + std::to_string(split_size) +
                                           " bytes cuts the input into more than 1000000 map "
                                           "tasks, the most a job may have"),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_EQ(runtime::PlanJob({path.string()}, 4).splits.size(), runtime::kMaxMapTasks / 2 + 1);
}

TEST(RowRangeInputFormatTest, SplitRowsCoversEveryRowOnce) {
  const std::vector<InputSplit> splits = SplitRows(10, 4);
  ASSERT_EQ(splits.size(), 4u);
  uint64_t next = 0;
  for (const InputSplit& split : splits) {
    EXPECT_EQ(split.file_index, kSyntheticSplit);
    EXPECT_EQ(split.offset, next);
    next += split.length;
  }
  EXPECT_EQ(next, 10u);
  EXPECT_EQ(splits[0].length, 3u);
  EXPECT_EQ(splits[3].length, 2u);
  EXPECT_EQ(SplitRows(2, 5).size(), 2u);
  EXPECT_TRUE(SplitRows(0, 5).empty());
}

}  // namespace
}  // namespace minimr
