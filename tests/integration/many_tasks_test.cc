// Jobs of many tasks and many input files: no message grows with their number. The cluster's
// frame limit is lowered (--max-frame-bytes 64KiB) so that a job of a few thousand tasks meets
// it, as a job of a million tasks would meet the default 16 MiB.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

#include "tests/integration/harness.h"

namespace minimr::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

TEST(ManyTasks, AJobWhoseListsExceedAFrameFinishesWithTheExactCounts) {
  TempDir dir("many-tasks");
  // 1,000 files (their paths alone take about 110 KB) of three 20-byte splits each: 3,000 map
  // tasks, whose output locations take about 80 KB.
  const char* words[] = {"alpha", "beta", "gamma", "delta"};
  std::map<std::string, uint64_t> expected;
  size_t splits = 0;
  fs::create_directories(dir.path() / "input-files-with-rather-long-names");
  for (int f = 0; f < 1000; ++f) {
    char name[64];
    std::snprintf(name, sizeof name, "input-file-number-%05d.txt", f);
    std::ofstream out(dir.path() / "input-files-with-rather-long-names" / name);
    std::string text;
    for (int w = 0; text.size() < 40; ++w) {
      const char* word = words[(f + w * w) % 4];
      text += std::string(word) + (w % 2 ? "\n" : " ");
      ++expected[word];
    }
    out << text;
    splits += (text.size() + 19) / 20;
  }
  fs::path yaml = dir.path() / "wordcount.yaml";
  std::ofstream(yaml) << "job: wordcount\ninput:\n  paths: "
                      << (dir.path() / "input-files-with-rather-long-names").string()
                      << "/*\n  split_size: 20\nreduce: {tasks: 2}\noutput: {dir: "
                      << (dir.path() / "out").string() << "}\n";

  TestCluster cluster(dir.path() / "cluster",
                      {"--max-frame-bytes", "64KiB", "--no-worker-timeout", "5s"});
  cluster.AddWorker("one");
  cluster.AddWorker("two");
  ASSERT_TRUE(cluster.WaitForRegistrations(2, seconds(30)));
  Result r = cluster.Submit(yaml.string());
  ASSERT_EQ(r.status, 0) << r.output << cluster.MasterLog();
  EXPECT_EQ(ReadCounts((dir.path() / "out").string()), expected);
  EXPECT_NE(cluster.MasterLog().find(std::to_string(splits) + " map tasks"), std::string::npos)
      << cluster.MasterLog();
}

TEST(ManyTasks, TheMasterRefusesAFrameLimitTooSmallForAPath) {
  TempDir dir("tiny-frames");
  Result r = Shell(Minimr() + " master --max-frame-bytes 4KiB --connection-file " +
                   (dir.path() / "c.json").string());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("--max-frame-bytes wants a size from 64KiB to 16MiB, got '4KiB'"),
            std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace minimr::testing
