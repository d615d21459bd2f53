// minimr through a real Grid Engine (started by tests/sge/start_gridengine.sh): workers as an
// array job and through qrsh -inherit in a parallel environment, a task deleted mid-job, a soft
// run-time limit that makes workers leave, and a cluster that leaves nothing behind when stopped.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <fstream>
#include <thread>

#include "tests/integration/harness.h"

namespace minimr::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

std::string SourceDir() { return MINIMR_SOURCE_DIR; }

// Stops the cluster of a profile when the test ends, however it ends: its supervisor is detached
// and would outlive a failed test.
struct StopsCluster {
  std::string profile;
  ~StopsCluster() { Shell(Minimr() + " cluster stop --profile " + profile); }
};

class GridEngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new TempDir("sge-data");
    // Exec hosts read the inputs and write the output: one host here, the same paths.
    Result r = Shell(Minimr() + " pi generate --digits 200000 --files 2 --out " +
                     (data_->path() / "pi").string());
    ASSERT_EQ(r.status, 0) << r.output;
    std::ofstream(data_->path() / "pi.yaml")
        << "job: pidigits\nparams: {n: 2}\ninput:\n  paths: " << (data_->path() / "pi").string()
        << "/pi*\n  split_size: 16KiB\nreduce: {tasks: 2}\noutput: {dir: "
        << (data_->path() / "out-local").string() << "}\n";
    r = Shell(Minimr() + " run " + Yaml());
    ASSERT_EQ(r.status, 0) << r.output;
    local_ = new std::map<std::string, std::string>(
        ReadPartFiles((data_->path() / "out-local").string()));
  }
  static void TearDownTestSuite() {
    delete local_;
    delete data_;
  }
  void SetUp() override {
    if (Shell("command -v qsub").status != 0) {
      if (std::getenv("CI")) FAIL() << "CI must run the Grid Engine tests: qsub is not on the PATH";
      GTEST_SKIP() << "no Grid Engine here: run tests/sge/start_gridengine.sh to have one";
    }
  }
  static std::string Yaml() { return (data_->path() / "pi.yaml").string(); }

  // A profile of our own: its shared directory in `dir`, plus `extra` lines.
  static std::string Profile(const fs::path& dir, const std::string& extra = "") {
    fs::path path = dir / "test-sge.yaml";
    auto unless_given = [&](const std::string& line) {
      return extra.find(line.substr(0, line.find(':') + 1)) == std::string::npos ? line : "";
    };
    std::ofstream(path) << "launcher: sge\nworkers: 3\nshared_dir: " << (dir / "shared").string()
                        << "\nregister_timeout: 2m\n" << unless_given("queue: all.q\n")
                        << unless_given("pending_timeout: 2m\n") << extra;
    return path.string();
  }
  static std::string Qstat() { return Shell("qstat").output; }

  static TempDir* data_;
  static std::map<std::string, std::string>* local_;
};
TempDir* GridEngineTest::data_;
std::map<std::string, std::string>* GridEngineTest::local_;

TEST_F(GridEngineTest, PiThroughAnArrayJobEqualsTheLocalLaunchers) {
  TempDir dir("sge-array");
  // `minimr run` with the sge launcher takes configs/clusters/sge.yaml; HOME keeps its shared
  // directory (~/.minimr/clusters/sge) in this test's own place.
  fs::path out = dir.path() / "out";
  Result r = Shell("cd " + SourceDir() + " && HOME=" + dir.path().string() + " " + Minimr() +
                   " run " + Yaml() + " -D cluster.launcher=sge -D cluster.workers=3 -D output.dir=" +
                   out.string());
  ASSERT_EQ(r.status, 0) << r.output;
  RecordProperty("run", r.output);
  EXPECT_EQ(ReadPartFiles(out.string()), *local_);
  EXPECT_EQ(Qstat(), "") << "the workers' array job must be gone";
}

// A job from a plugin runs through Grid Engine workers as through local ones.
TEST_F(GridEngineTest, AJobFromAPluginRunsThroughAnArrayJob) {
  TempDir dir("sge-plugin");
  fs::create_directories(dir.path() / "text");
  for (int f = 0; f < 3; ++f) {
    std::ofstream text(dir.path() / "text" / ("t" + std::to_string(f) + ".txt"));
    for (int line = 0; line < 300; ++line) text << "The quick brown fox " << f * line << " jumps\n";
  }
  std::ofstream(dir.path() / "letters.yaml")
      << "job: letters\nplugin: " << MINIMR_TEST_PLUGIN_DIR << "/letters.so\n"
      << "input: {paths: " << (dir.path() / "text").string() << "/*.txt, split_size: 4KB}\n"
      << "reduce: {tasks: 2}\noutput: {dir: " << (dir.path() / "local").string() << "}\n";
  std::string yaml = (dir.path() / "letters.yaml").string();
  Result local = Shell(Minimr() + " run " + yaml);
  ASSERT_EQ(local.status, 0) << local.output;
  fs::path out = dir.path() / "sge";
  Result r = Shell("cd " + SourceDir() + " && HOME=" + dir.path().string() + " " + Minimr() +
                   " run " + yaml + " -D cluster.launcher=sge -D cluster.workers=2 -D output.dir=" +
                   out.string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(ReadPartFiles(out.string()), ReadPartFiles((dir.path() / "local").string()));
  EXPECT_EQ(ReadCounts(out.string())["o"], 2u * 900);  // brown, fox
  EXPECT_EQ(Qstat(), "") << "the workers' array job must be gone";
}

TEST_F(GridEngineTest, TheExampleScriptsRunAsWritten) {
  TempDir dir("sge-examples");
  for (std::string how : {"examples/sge/pi-array.sh", "-pe smp 3 examples/sge/pi-pe.sh"}) {
    SCOPED_TRACE(how);
    fs::path out = dir.path() / ("out-" + std::to_string(how.size()));
    // As a user would, from the top of the tree; -v passes the variables qsub's job needs here.
    Result r = Shell("cd " + SourceDir() + " && qsub -sync y -v HOME=" + dir.path().string() +
                     ",MINIMR_WORKERS=2,PATH=" + fs::path(Minimr()).parent_path().string() +
                     ":/usr/bin:/bin -o " + dir.path().string() + "/job.log " + how + " " +
                     Yaml() + " -D output.dir=" + out.string());
    EXPECT_EQ(r.status, 0) << r.output << ReadFile(dir.path() / "job.log");
    EXPECT_EQ(ReadPartFiles(out.string()), *local_) << ReadFile(dir.path() / "job.log");
    fs::remove(dir.path() / "job.log");
  }
  EXPECT_EQ(Qstat(), "");
}

TEST_F(GridEngineTest, AClusterSurvivesADeletedTaskAndStopsWithoutATrace) {
  TempDir dir("sge-cluster");
  // Slow tasks, so that the job is still running when a worker's task is deleted.
  std::string profile = Profile(dir.path(), "qsub_options: [-v, 'MINIMR_FAULTS=delay=150ms@map:*']\n");
  StopsCluster stops{profile};
  Result start = Shell(Minimr() + " cluster start --profile " + profile);
  ASSERT_EQ(start.status, 0) << start.output;
  EXPECT_NE(start.output.find("3 workers registered"), std::string::npos) << start.output;
  RecordProperty("cluster_start", start.output);

  fs::path out = dir.path() / "out";
  minimr::ChildProcess submit({Minimr(), "submit", "--profile", profile, Yaml(), "-D",
                                 "output.dir=" + out.string()},
                                (dir.path() / "submit.log").string());
  // Once tasks run, delete one worker's array task: its work runs again elsewhere, and the
  // cluster resubmits it by index.
  std::string job;
  for (int i = 0; i < 600 && job.empty(); ++i) {
    std::string log = ReadFile(dir.path() / "shared" / "cluster.log");
    size_t at = log.find("sge job ");
    if (at != std::string::npos) job = log.substr(at + 8, log.find_first_of(",\n", at) - at - 8);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(job.empty());
  ASSERT_TRUE(WaitForText(dir.path() / "submit.log", "map ", seconds(60)));
  Result qdel = Shell("qdel " + job + ".2");
  EXPECT_EQ(qdel.status, 0) << qdel.output;
  ASSERT_TRUE(submit.WaitFor(seconds(300)));
  EXPECT_TRUE(submit.ExitedCleanly()) << ReadFile(dir.path() / "submit.log");
  EXPECT_EQ(ReadPartFiles(out.string()), *local_);

  // Back to its size: three workers registered again.
  std::string status;
  for (int i = 0; i < 600; ++i) {
    status = Shell(Minimr() + " cluster status --profile " + profile).output;
    if (status.find("3 workers registered") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(status.find("3 workers registered"), std::string::npos) << status;
  EXPECT_NE(ReadFile(dir.path() / "shared" / "cluster.log").find("resubmitted as"),
            std::string::npos);

  Result stop = Shell(Minimr() + " cluster stop --profile " + profile);
  EXPECT_EQ(stop.status, 0) << stop.output;
  EXPECT_EQ(Qstat(), "") << "qstat must list nothing after cluster stop";
  auto left = WaitForNoProcessesMentioning(dir.path().string(), seconds(30));
  EXPECT_TRUE(left.empty()) << DescribeProcesses(left);
}

TEST_F(GridEngineTest, ARefusedSubmissionEndsWithQsubsOwnWords) {
  TempDir dir("sge-refused");
  Result start = Shell(Minimr() + " cluster start --profile " +
                       Profile(dir.path(), "queue: no_such_queue.q\n"));
  EXPECT_EQ(start.status, 1) << start.output;
  EXPECT_NE(start.output.find("qsub refused the workers' job"), std::string::npos) << start.output;
  EXPECT_NE(start.output.find("no_such_queue.q"), std::string::npos) << start.output;
  EXPECT_EQ(Qstat(), "");
}

TEST_F(GridEngineTest, WorkersStuckInTheQueueEndWithTheReasonNotAHang) {
  TempDir dir("sge-pending");
  // -h: the workers' job is held, so it waits in the queue for ever.
  Result start = Shell(Minimr() + " cluster start --profile " +
                       Profile(dir.path(), "qsub_options: [-h]\npending_timeout: 3s\n"));
  EXPECT_EQ(start.status, 1) << start.output;
  EXPECT_NE(start.output.find("is still waiting in the queue after 3 s"), std::string::npos)
      << start.output;
  EXPECT_EQ(Qstat(), "") << "the held job must be deleted";
  auto left = WaitForNoProcessesMentioning(dir.path().string(), seconds(30));
  EXPECT_TRUE(left.empty()) << DescribeProcesses(left);
}

TEST_F(GridEngineTest, AClusterWhoseMasterIsAParallelEnvironmentJob) {
  TempDir dir("sge-master-job");
  std::string profile = Profile(dir.path(), "master: job\nparallel_environment: smp\n");
  StopsCluster stops{profile};
  Result start = Shell(Minimr() + " cluster start --profile " + profile + " -n 2");
  ASSERT_EQ(start.status, 0) << start.output << ReadFile(dir.path() / "shared" / "cluster.log");
  EXPECT_NE(start.output.find("2 workers through qrsh -inherit"), std::string::npos) << start.output;
  Result status = Shell(Minimr() + " cluster status --profile " + profile);
  EXPECT_NE(status.output.find("(Grid Engine job "), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("sge slot 2 (job "), std::string::npos) << status.output;
  fs::path out = dir.path() / "out";
  Result r = Shell("timeout 300 " + Minimr() + " submit --profile " + profile + " " + Yaml() +
                   " -D output.dir=" + out.string());
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(ReadPartFiles(out.string()), *local_);
  Result stop = Shell(Minimr() + " cluster stop --profile " + profile);
  EXPECT_EQ(stop.status, 0) << stop.output;
  EXPECT_EQ(Qstat(), "");
  auto left = WaitForNoProcessesMentioning(dir.path().string(), seconds(30));
  EXPECT_TRUE(left.empty()) << DescribeProcesses(left);
}

TEST_F(GridEngineTest, WorkersPastTheirSoftRunTimeLimitLeaveAndTheResultStaysExact) {
  TempDir dir("sge-walltime");
  // Workers get a soft run-time limit of 6 s, when Grid Engine warns each with SIGUSR1. The first
  // attempt of each reduce task takes 20 s, so the warning always comes mid-job: the workers
  // leave in good order, handing their reduces back, and their replacements (resubmitted by
  // index, with a fresh 6 s) run the second attempts, which are quick.
  std::string profile = Profile(dir.path(),
                                "soft_runtime_limit: '0:0:6'\n"
                                "qsub_options: [-v, 'MINIMR_FAULTS=delay=100ms@map:*;delay=20s@reduce:*#0']\n");
  StopsCluster stops{profile};
  Result start = Shell(Minimr() + " cluster start --profile " + profile);
  ASSERT_EQ(start.status, 0) << start.output;
  fs::path out = dir.path() / "out";
  Result r = Shell("timeout 300 " + Minimr() + " submit --profile " + profile + " " + Yaml() +
                   " -D output.dir=" + out.string());
  std::string cluster_log = ReadFile(dir.path() / "shared" / "cluster.log");
  EXPECT_EQ(r.status, 0) << r.output << cluster_log;
  EXPECT_EQ(ReadPartFiles(out.string()), *local_);
  size_t left = cluster_log.find("is leaving: Grid Engine's warning signal SIGUSR1");
  EXPECT_NE(left, std::string::npos) << cluster_log;
  EXPECT_LT(left, cluster_log.find("job 1 succeeded")) << cluster_log;
  std::string logs;
  for (const auto& entry : fs::directory_iterator(dir.path() / "shared" / "logs")) {
    logs += ReadFile(entry.path());
  }
  EXPECT_EQ(logs.find("lost the master"), std::string::npos) << logs;
  Result stop = Shell(Minimr() + " cluster stop --profile " + profile);
  EXPECT_EQ(stop.status, 0) << stop.output;
  EXPECT_EQ(Qstat(), "");
}

}  // namespace
}  // namespace minimr::testing
