// Chaos: jobs run while workers are killed with SIGKILL at random moments in the map and in the
// reduce phase, seeded. Every run's part files must be byte-identical to a fault-free run's, and
// nothing the cluster started may outlive it.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <random>
#include <thread>

#include "tests/integration/harness.h"

namespace minimr::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kWorkers = 3;
// Slows tasks down so that both phases last long enough to be hit (the kills are what matter).
constexpr const char* kPace = "delay=15ms@map:*,delay=150ms@reduce:*";

struct Job {
  std::string name;  // "pi" or "wordcount"
  std::string yaml;
};

class Chaos : public ::testing::TestWithParam<std::tuple<std::string, int>> {
 protected:
  static void SetUpTestSuite() {
    data_ = new TempDir("chaos-data");
    const fs::path& dir = data_->path();
    Result r = Shell(Minimr() + " pi generate --digits 400000 --files 2 --out " +
                     (dir / "pi").string());
    ASSERT_EQ(r.status, 0) << r.output;
    // A corpus of 2 x ~120 KB: words drawn from a Zipf-like vocabulary.
    std::mt19937_64 rng(42);
    fs::create_directories(dir / "text");
    for (int f = 0; f < 2; ++f) {
      std::ofstream out(dir / "text" / ("part" + std::to_string(f) + ".txt"));
      for (int line = 0; line < 3000; ++line) {
        for (int w = 0; w < 8; ++w) {
          uint64_t rank = 1 + rng() % (1 + rng() % 2000);
          out << "w" << rank << (w == 7 ? '\n' : ' ');
        }
      }
    }
    jobs_ = new std::map<std::string, Job>;
    (*jobs_)["pi"] = {"pi", Write("pi.yaml", "job: pidigits\nparams: {n: 2}\ninput:\n  paths: " +
                                                 (dir / "pi").string() +
                                                 "/pi*\n  split_size: 16KiB\nreduce: {tasks: 2}\n")};
    (*jobs_)["wordcount"] = {"wordcount",
                             Write("wc.yaml", "job: wordcount\ninput:\n  paths: " +
                                                  (dir / "text").string() +
                                                  "/*.txt\n  split_size: 8KiB\nreduce: {tasks: 3}\n")};
    // The fault-free runs, for reference.
    references_ = new std::map<std::string, std::map<std::string, std::string>>;
    for (const auto& [name, job] : *jobs_) {
      TempDir run("chaos-reference");
      TestCluster cluster(run.path());
      for (int i = 0; i < kWorkers; ++i) cluster.AddWorker("worker " + std::to_string(i));
      fs::path out = run.path() / "out";
      Result submitted = cluster.Submit(job.yaml, {"output.dir=" + out.string()});
      ASSERT_EQ(submitted.status, 0) << submitted.output;
      (*references_)[name] = ReadPartFiles(out.string());
      ASSERT_FALSE((*references_)[name].empty());
    }
  }
  static void TearDownTestSuite() {
    delete jobs_;
    delete references_;
    delete data_;
  }
  static std::string Write(const std::string& name, const std::string& text) {
    fs::path path = data_->path() / name;
    std::ofstream(path) << text;
    return path.string();
  }

  static TempDir* data_;
  static std::map<std::string, Job>* jobs_;
  static std::map<std::string, std::map<std::string, std::string>>* references_;
};
TempDir* Chaos::data_;
std::map<std::string, Job>* Chaos::jobs_;
std::map<std::string, std::map<std::string, std::string>>* Chaos::references_;

TEST_P(Chaos, KilledWorkersDoNotChangeTheResult) {
  const auto& [job_name, seed] = GetParam();
  const Job& job = jobs_->at(job_name);
  std::mt19937 rng(static_cast<unsigned>(seed));
  TempDir dir("chaos");
  TestCluster cluster(dir.path(), {"--worker-timeout", "5s", "--fetch-timeout", "2s"});
  for (int i = 0; i < kWorkers; ++i) cluster.AddWorker("worker " + std::to_string(i), kPace);
  ASSERT_TRUE(cluster.WaitForRegistrations(kWorkers, seconds(30))) << cluster.MasterLog();

  fs::path out = dir.path() / "out";
  auto submit = cluster.StartSubmit(job.yaml, {"output.dir=" + out.string()});
  // One kill in each phase, at a moment drawn from the seed, each killed worker replaced.
  std::vector<std::string> hits;
  auto kill_one = [&](const char* phase) {
    std::vector<size_t> live;
    for (size_t i = 0; i < cluster.workers(); ++i) {
      if (cluster.worker(i).Running()) live.push_back(i);
    }
    if (live.empty()) return;
    size_t victim = live[rng() % live.size()];
    cluster.worker(victim).Signal(SIGKILL);
    // Replaced once it is gone, as a launcher would: the newcomer removes its scratch directory.
    cluster.worker(victim).WaitFor(seconds(10));
    cluster.AddWorker("worker " + std::to_string(cluster.workers()), kPace);
    cluster.WaitForRegistrations(static_cast<int>(cluster.workers()), seconds(30));
    hits.push_back(std::string(phase) + ": worker " + std::to_string(victim));
  };
  fs::path log = dir.path() / "master.log";
  if (WaitForText(log, "job 1 started", seconds(60))) {
    std::this_thread::sleep_for(milliseconds(rng() % 200));
    if (submit->Running()) kill_one(ReadFile(log).find("reducing") == std::string::npos ? "map" : "reduce");
  }
  if (WaitForText(log, "every map task is done; reducing", seconds(60))) {
    std::this_thread::sleep_for(milliseconds(rng() % 200));
    if (submit->Running()) kill_one("reduce");
  }
  ASSERT_TRUE(submit->WaitFor(seconds(300))) << cluster.MasterLog();
  std::string what;
  for (const auto& hit : hits) what += hit + "; ";
  RecordProperty("kills", what);
  EXPECT_TRUE(submit->ExitedCleanly()) << ReadFile(dir.path() / "submit-0.log") << cluster.MasterLog();
  EXPECT_EQ(ReadPartFiles(out.string()), references_->at(job_name)) << "kills: " << what;

  cluster.Stop();
  {
    auto left = WaitForNoProcessesMentioning(dir.path().string(), seconds(10));
    EXPECT_TRUE(left.empty()) << "left running:\n" << DescribeProcesses(left);
  }
  // Killed workers' map output is gone: the next worker removed their scratch directories,
  // or the survivors removed their own.
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    std::string name = entry.path().filename().string();
    if (name.rfind("minimr-worker-", 0) != 0) continue;
    std::string listing;
    for (const auto& file : fs::directory_iterator(entry.path())) listing += " " + file.path().filename().string();
    std::string logs;
    for (size_t i = 0; i < cluster.workers(); ++i) {
      logs += "worker-" + std::to_string(i) + ".log:\n" +
              ReadFile(dir.path() / ("worker-" + std::to_string(i) + ".log"));
    }
    ADD_FAILURE() << "left behind: " << entry.path() << " holding" << listing << " (kills: " << what
                  << ")\n" << logs;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Seeds, Chaos,
    ::testing::Combine(::testing::Values("pi", "wordcount"), ::testing::Range(1, 21)),
    [](const ::testing::TestParamInfo<std::tuple<std::string, int>>& info) {
      return std::get<0>(info.param) + "_seed" + std::to_string(std::get<1>(info.param));
    });

}  // namespace
}  // namespace minimr::testing
