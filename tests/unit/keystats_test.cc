// The keystats job, run in-process through minimr::testing::JobHarness.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "minimr/job.h"
#include "minimr/testing.h"
#include "tests/common/keystats_reference.h"
#include "tests/common/temp_dir.h"

namespace minimr {
namespace {

namespace fs = std::filesystem;
using testing::JobHarness;
using testing::Records;

// The job's output as the text of its part files.
std::string Text(const Records& records) {
  std::string text;
  for (const auto& [key, value] : records) text += key + "\t" + value + "\n";
  return text;
}

class KeyStatsFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    temp_ = std::make_unique<testing::TempDir>("keystats");
    dir_ = temp_->path();
  }
  void TearDown() override { temp_.reset(); }

  std::unique_ptr<testing::TempDir> temp_;
  fs::path dir_;
};

TEST(KeyStats, WritesCountMeanMinAndMaxPerKey) {
  Records input = {{"0", "a 1"}, {"4", "b -2"}, {"9", "a 3"}, {"13", "a 2.5"}, {"19", "b 0.25"}};
  Records output = JobHarness::ForJob("keystats").MapTask(input).Run().All();
  Records expected = {{"a", "3 2.1666666666666665 1 3"}, {"b", "2 -0.875 -2 0.25"}};
  EXPECT_EQ(output, expected);
}

// NaN: the mean is nan; the minimum and maximum ignore it, and are nan when every value is
// (they were the starting inf and -inf).
TEST(KeyStats, NaNValuesLeaveTheMinimumAndMaximumToTheOthers) {
  Records input = {{"0", "m 1"}, {"4", "m nan"}, {"10", "m 3"}, {"14", "n nan"}, {"20", "n NaN"}};
  Records output = JobHarness::ForJob("keystats").MapTask(input).Run().All();
  Records expected = {{"m", "3 nan 1 3"}, {"n", "2 nan nan nan"}};
  EXPECT_EQ(output, expected);
}

// Values near the largest double: their sum overflows, their mean does not.
TEST(KeyStats, TheMeanOfHugeValuesDoesNotOverflow) {
  Records input = {{"0", "a 1e308"}, {"8", "a 1e308"}, {"16", "b -1e308"}, {"25", "b -1.5e308"}};
  Records output = JobHarness::ForJob("keystats").MapTask(input).Run().All();
  Records expected = {{"a", "2 1e+308 1e+308 1e+308"}, {"b", "2 -1.25e+308 -1.5e+308 -1e+308"}};
  EXPECT_EQ(output, expected);
  // Two map tasks whose combined sums are inf and -inf: their sum is nan, the mean 0.
  output = JobHarness::ForJob("keystats")
               .MapTask({{"0", "c 1e308"}, {"8", "c 1e308"}})
               .MapTask({{"0", "c -1e308"}, {"9", "c -1e308"}})
               .Run()
               .All();
  EXPECT_EQ(output, (Records{{"c", "4 0 -1e+308 1e+308"}}));
}

TEST_F(KeyStatsFiles, GeneratedInputMatchesANaiveComputationWhateverTheSplitsAndReducers) {
  const JobDefinition* job = FindJob("keystats");
  ASSERT_NE(job, nullptr);
  std::ostringstream progress;
  std::map<std::string, std::string> spec = {
      {"lines", "20000"}, {"keys", "40"}, {"files", "3"}, {"seed", "7"}};
  job->generate_input(Params(spec), dir_.string(), progress);
  std::vector<std::string> paths;
  for (const auto& entry : fs::directory_iterator(dir_)) paths.push_back(entry.path().string());
  std::sort(paths.begin(), paths.end());
  ASSERT_EQ(paths.size(), 3u);
  EXPECT_EQ(fs::path(paths[0]).filename(), "keystats-00.txt");

  keystats_reference::Table expected = keystats_reference::Compute(paths);
  ASSERT_EQ(expected.size(), 40u);
  int64_t lines = 0;
  for (const auto& [key, summary] : expected) lines += std::get<0>(summary);
  EXPECT_EQ(lines, 20000);

  testing::JobOutput one = JobHarness::ForJob("keystats").Files(paths).Run();
  EXPECT_EQ(keystats_reference::Parse(Text(one.All())), expected);
  testing::JobOutput many =
      JobHarness::ForJob("keystats").Files(paths, 16 << 10).ReduceTasks(3).SpillEvery(500).Run();
  EXPECT_EQ(keystats_reference::Parse(Text(many.All())), expected);
  EXPECT_EQ(many.counters.Get("map.input.records"), 20000);
  EXPECT_GT(many.counters.Get("map.spills"), 3);
  EXPECT_LT(many.counters.Get("combine.output.records"), 20000);
  EXPECT_EQ(many.counters.Get("reduce.output.records"), 40);
}

TEST_F(KeyStatsFiles, ALineWithoutANumberFailsNamingTheFileAndOffset) {
  std::string path = (dir_ / "bad.txt").string();
  std::ofstream(path) << "a 1\nb\n";
  try {
    JobHarness::ForJob("keystats").Files({path}).Run();
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path + ", byte offset 4: 1 field, expected 2 (string, "
                                                "double); the line: 'b'"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(KeyStatsFiles, TheGeneratorRefusesSettingsItDoesNotKnow) {
  std::ostringstream progress;
  auto generate = [&](std::map<std::string, std::string> spec) {
    FindJob("keystats")->generate_input(Params(std::move(spec)), dir_.string(), progress);
  };
  EXPECT_THROW(generate({{"rows", "10"}}), ParamError);
  EXPECT_THROW(generate({{"keys", "0"}}), ParamError);
  EXPECT_TRUE(fs::is_empty(dir_));
}

}  // namespace
}  // namespace minimr
