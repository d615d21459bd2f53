// The bounded shuffle through real `minimr run`s: word count over a generated corpus of many
// distinct words, with budgets small enough that both sides spill and merge in several passes.
// Its output must equal a plain count, and the counters must show the budgets acting.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "minimr/output.h"
#include "tests/integration/harness.h"

namespace minimr {
namespace {

namespace fs = std::filesystem;
using testing::Minimr;
using testing::Result;
using testing::Shell;
using testing::TempDir;

// A word for number n: its digits in base 26 as letters, after a letter that spreads the words.
std::string WordOf(uint32_t n) {
  std::string word(1, static_cast<char>('a' + n % 7));
  do {
    word.push_back(static_cast<char>('a' + n % 26));
    n /= 26;
  } while (n > 0);
  return word;
}

class ShuffleJob : public ::testing::Test {
 protected:
  // About 3 MB in 3 files: half the words from a few hundred common ones, half from 200,000, so
  // that most words are distinct within a map task and combining saves little.
  static void SetUpTestSuite() {
    dir_ = new TempDir("shuffle-job");
    fs::create_directories(dir_->path() / "corpus");
    std::mt19937 random(9);
    counts_ = new std::map<std::string, uint64_t>;
    for (int f = 0; f < 3; ++f) {
      std::string text;
      while (text.size() < 1000000) {
        for (int w = 0, n = 1 + int(random() % 15); w < n; ++w) {
          const uint32_t number = random() % 2 == 0 ? random() % 300 : random() % 200000;
          const std::string word = WordOf(number);
          ++(*counts_)[word];
          if (w > 0) text += random() % 9 == 0 ? ", " : " ";
          text += random() % 11 == 0 ? std::string(1, char(word[0] - 32)) + word.substr(1) : word;
        }
        text += '\n';
      }
      std::ofstream(dir_->path() / "corpus" / ("part" + std::to_string(f) + ".txt")) << text;
    }
  }
  static void TearDownTestSuite() {
    delete counts_;
    delete dir_;
  }

  // Runs word count with the given shuffle settings (-D overrides); returns job.json's counters.
  static nlohmann::json RunWordCount(const std::string& name,
                                     const std::vector<std::string>& overrides) {
    const fs::path out = dir_->path() / name;
    const fs::path yaml = dir_->path() / (name + ".yaml");
    std::ofstream(yaml) << "job: wordcount\n"
                        << "input: {paths: '" << (dir_->path() / "corpus" / "*").string()
                        << "', split_size: 256KiB}\n"
                        << "reduce: {tasks: 4}\n"
                        << "output: {dir: '" << out.string() << "'}\n"
                        << "cluster: {launcher: local, workers: 2}\n";
    std::string command = Minimr() + " run " + yaml.string();
    for (const std::string& o : overrides) command += " -D " + o;
    const Result r = Shell(command);
    EXPECT_EQ(r.status, 0) << r.output;
    std::map<std::string, uint64_t> output;
    for (const auto& [key, value] : ReadOutput(out.string())) {
      EXPECT_TRUE(output.emplace(key, std::stoull(value)).second) << "key " << key << " twice";
    }
    EXPECT_EQ(output.size(), counts_->size());
    EXPECT_TRUE(output == *counts_) << "the counts differ from a plain count";
    return nlohmann::json::parse(testing::ReadFile(out / "job.json"))["counters"];
  }

  static TempDir* dir_;
  static std::map<std::string, uint64_t>* counts_;
};
TempDir* ShuffleJob::dir_;
std::map<std::string, uint64_t>* ShuffleJob::counts_;

TEST_F(ShuffleJob, SmallBudgetsSpillAndMergeInPassesAndCountExactly) {
  const nlohmann::json counters =
      RunWordCount("small", {"map.sort_buffer=64KiB", "reduce.shuffle_buffer=256KiB",
                             "shuffle.merge_factor=3"});
  // 12 map tasks of 256 KiB, each buffering far more than 64 KiB of records and index.
  EXPECT_GT(counters.value("map.spills", 0), 12 * 10) << counters.dump();
  EXPECT_GT(counters.value("map.merge.passes", 0), 12 * 3) << counters.dump();
  EXPECT_GT(counters.value("reduce.spills", 0) + counters.value("reduce.spilled_segments", 0), 4)
      << counters.dump();
  EXPECT_GT(counters.value("reduce.merge.passes", 0), 0) << counters.dump();
}

TEST_F(ShuffleJob, DefaultBudgetsKeepThisCorpusInMemory) {
  const nlohmann::json counters = RunWordCount("default", {});
  EXPECT_EQ(counters.value("map.spills", 0), 0) << counters.dump();
  EXPECT_EQ(counters.value("map.merge.passes", 0), 0) << counters.dump();
  EXPECT_EQ(counters.value("reduce.spills", 0) + counters.value("reduce.spilled_segments", 0), 0)
      << counters.dump();
  EXPECT_EQ(counters.value("reduce.merge.passes", 0), 0) << counters.dump();
  // Where the reduce tasks' time went, in milliseconds (summed over them; may be 0).
  for (const char* part : {"reduce.shuffle.milliseconds", "reduce.reducer.milliseconds",
                           "reduce.commit.milliseconds"}) {
    EXPECT_TRUE(counters.contains(part)) << part << " in " << counters.dump();
  }
}

TEST_F(ShuffleJob, AWiderMergeTakesFewerPasses) {
  const nlohmann::json narrow = RunWordCount(
      "narrow", {"map.sort_buffer=64KiB", "reduce.shuffle_buffer=64KiB", "shuffle.merge_factor=2"});
  const nlohmann::json wide = RunWordCount(
      "wide", {"map.sort_buffer=64KiB", "reduce.shuffle_buffer=64KiB", "shuffle.merge_factor=50"});
  EXPECT_EQ(narrow.value("map.spills", 0), wide.value("map.spills", 0));
  EXPECT_GT(narrow.value("map.merge.passes", 0), 0);
  EXPECT_EQ(wide.value("map.merge.passes", 0), 0) << wide.dump();
  EXPECT_GT(narrow.value("reduce.merge.passes", 0), wide.value("reduce.merge.passes", 0));
}

}  // namespace
}  // namespace minimr
