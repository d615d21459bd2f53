// The typed keystats job through a real `minimr run`: master and worker processes, input the job
// generates, output compared with the plain computation.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>

#include "tests/common/keystats_reference.h"
#include "tests/integration/harness.h"

namespace minimr::testing {
namespace {

namespace fs = std::filesystem;

TEST(KeyStatsCluster, TwoWorkersAndFourReducersMatchANaiveComputation) {
  TempDir dir("keystats");
  fs::path yaml = dir.path() / "keystats.yaml";
  std::ofstream(yaml) << "job: keystats\n"
                         "input:\n"
                         "  paths: " << (dir.path() / "data").string() << "/keystats-*.txt\n"
                         "  split_size: 64KiB\n"
                         "  generate: {lines: 60000, keys: 37, files: 3, seed: 11}\n"
                         "reduce: {tasks: 4}\n"
                         "output: {dir: " << (dir.path() / "out").string() << "}\n"
                         "cluster: {launcher: local, workers: 2}\n";
  Result r = Shell(Minimr() + " run " + yaml.string());
  ASSERT_EQ(r.status, 0) << r.output;

  std::vector<std::string> inputs;
  for (const auto& entry : fs::directory_iterator(dir.path() / "data")) {
    inputs.push_back(entry.path().string());
  }
  std::sort(inputs.begin(), inputs.end());
  ASSERT_EQ(inputs.size(), 3u) << r.output;
  keystats_reference::Table expected = keystats_reference::Compute(inputs);
  ASSERT_EQ(expected.size(), 37u);

  std::map<std::string, std::string> parts = ReadPartFiles((dir.path() / "out").string());
  ASSERT_EQ(parts.size(), 4u);
  std::string text;
  for (const auto& [name, bytes] : parts) {
    EXPECT_FALSE(bytes.empty()) << name << ": 37 keys should reach every reducer";
    text += bytes;
  }
  // Parse refuses a key that two part files hold.
  EXPECT_EQ(keystats_reference::Parse(text), expected);
  // 64 KiB splits of about 800 KB: map tasks whose outputs meet in every reducer.
  std::smatch tasks;
  ASSERT_TRUE(std::regex_search(r.output, tasks, std::regex("(\\d+) map tasks"))) << r.output;
  EXPECT_GE(std::stoi(tasks[1]), 10) << r.output;
}

}  // namespace
}  // namespace minimr::testing
