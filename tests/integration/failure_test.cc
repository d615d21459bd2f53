// Jobs under fire: tasks that throw or crash, stalled and frozen workers, a master that dies,
// and `minimr run` interrupted or killed. Real processes on loopback, faults injected on cue.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/integration/harness.h"

namespace minimr::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

// 200,000 digits of pi in two files, made once by the real command, and the pairs they hold.
class Failures : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new TempDir("failures-data");
    Result r = Shell(Minimr() + " pi generate --digits 200000 --files 2 --out " +
                     (data_->path() / "pi").string());
    ASSERT_EQ(r.status, 0) << r.output;
    std::string digits;
    for (const char* name : {"pi200k.ascii.01of02", "pi200k.ascii.02of02"}) {
      for (char c : ReadFile(data_->path() / "pi" / name)) {
        if (c >= '0' && c <= '9') digits += c;
      }
    }
    ASSERT_EQ(digits.size(), 200000u);
    expected_ = new std::map<std::string, uint64_t>;
    for (size_t i = 0; i + 2 <= digits.size(); ++i) (*expected_)[digits.substr(i, 2)]++;
  }
  static void TearDownTestSuite() {
    delete data_;
    delete expected_;
  }

  // Adds worker 0, which stops itself (SIGSTOP) holding the output of the first map task it
  // reports, then a plain worker; false if either does not register.
  static bool AddAFreezingWorkerThenAPlainOne(TestCluster& cluster) {
    cluster.AddWorker("freezing worker", "stall-after-maps=1");
    if (!cluster.WaitForRegistrations(1, seconds(30))) return false;
    cluster.AddWorker("worker 2");
    return cluster.WaitForRegistrations(2, seconds(30));
  }

  // A job file for the pairs in 16 KiB splits (14 map tasks), output in `out`.
  std::string JobFile(const fs::path& dir, const fs::path& out, const std::string& extra = "") {
    fs::path yaml = dir / "pi.yaml";
    std::ofstream(yaml) << "job: pidigits\nparams: {n: 2}\ninput:\n  paths: "
                        << (data_->path() / "pi").string()
                        << "/pi*\n  split_size: 16KiB\nreduce: {tasks: 2}\noutput: {dir: "
                        << out.string() << "}\n"
                        << extra;
    return yaml.string();
  }

  // `minimr run` with the environment's MINIMR_FAULTS and TMPDIR set for it.
  Result Run(const std::string& yaml, const std::string& faults, const fs::path& tmp,
             const std::string& overrides = "") {
    return Shell("MINIMR_FAULTS='" + faults + "' TMPDIR=" + tmp.string() + " " + Minimr() +
                 " run " + yaml + " " + overrides);
  }

  // `minimr run yaml` (after `before`, as nohup) with TMPDIR `tmp`, MINIMR_FAULTS `faults`, its
  // output in tmp/run.log.
  static minimr::ChildProcess StartRun(const fs::path& tmp, const std::string& yaml,
                                       const std::string& faults,
                                       const std::vector<std::string>& before = {}) {
    std::vector<std::string> argv = before;
    argv.insert(argv.end(), {Minimr(), "run", yaml});
    return minimr::ChildProcess(argv, (tmp / "run.log").string(),
                                {"TMPDIR=" + tmp.string(), "MINIMR_FAULTS=" + faults});
  }

  // Waits for the job of a `minimr run` with TMPDIR `tmp` to start: its run directory is the
  // only minimr-run-* there.
  static bool WaitForTheRunsJobToStart(const fs::path& tmp) {
    return WaitForTheRunsMasterToSay(tmp, "job 1 started");
  }
  // ... or for its master to log `text`.
  static bool WaitForTheRunsMasterToSay(const fs::path& tmp, const std::string& text) {
    fs::path master_log;
    for (int i = 0; i < 3000 && master_log.empty(); ++i) {
      for (const auto& entry : fs::directory_iterator(tmp)) {
        if (entry.path().filename().string().rfind("minimr-run-", 0) == 0) {
          master_log = entry.path() / "master.log";
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return !master_log.empty() && WaitForText(master_log, text, seconds(60));
  }

  static TempDir* data_;
  static std::map<std::string, uint64_t>* expected_;
};
TempDir* Failures::data_;
std::map<std::string, uint64_t>* Failures::expected_;

TEST_F(Failures, ATaskThatAlwaysThrowsFailsTheJobAfterItsAttemptsAndKeepsTheOldOutput) {
  TempDir dir("throws");
  fs::path out = dir.path() / "out";
  std::string yaml = JobFile(dir.path(), out, "tasks: {max_attempts: 3}\n");
  ASSERT_EQ(Run(yaml, "", dir.path()).status, 0);
  auto before = ReadPartFiles(out.string());
  std::string job_json = ReadFile(out / "job.json");

  Result r = Run(yaml, "throw@reduce:1", dir.path(), "-D output.overwrite=true");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("reduce task 1 failed 3 times; its attempts:"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("attempt 2 on local worker"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("injected fault: this task always throws"), std::string::npos);
  // The job had run every map and reduce 0 before it failed: the old output is untouched.
  EXPECT_EQ(ReadPartFiles(out.string()), before);
  EXPECT_EQ(ReadFile(out / "job.json"), job_json);
  {
    auto left = WaitForNoProcessesMentioning(dir.path().string(), seconds(10));
    EXPECT_TRUE(left.empty()) << "left running:\n" << DescribeProcesses(left);
  }
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    // (The output's lock file, .out.minimr-lock, stays by design.)
    EXPECT_FALSE(entry.is_directory() &&
                 entry.path().filename().string().find(".out.minimr-") != std::string::npos)
        << "a staging directory was left behind: " << entry.path();
  }
}

TEST_F(Failures, ATaskThatCrashesItsWorkerFailsTheJobWithTheSignal) {
  TempDir dir("crashes");
  Result r = Run(JobFile(dir.path(), dir.path() / "out"), "crash@map:3", dir.path());
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("map task 3 (pi200k.ascii.01of02, bytes 49152-65536) failed 4 times"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("the worker died of signal 11 (Segmentation fault)"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("started local worker 3 in its place"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir.path() / "out"));
  {
    auto left = WaitForNoProcessesMentioning(dir.path().string(), seconds(10));
    EXPECT_TRUE(left.empty()) << "left running:\n" << DescribeProcesses(left);
  }
}

TEST_F(Failures, AMasterOutlivesAJobWhoseTaskCrashesEveryWorker) {
  TempDir dir("crash-storm");
  TestCluster cluster(dir.path());
  for (int i = 0; i < 5; ++i) cluster.AddWorker("crashing " + std::to_string(i), "crash@map:0");
  ASSERT_TRUE(cluster.WaitForRegistrations(5, seconds(30)));
  Result bad = cluster.Submit(JobFile(dir.path(), dir.path() / "bad"));
  EXPECT_EQ(bad.status, 1) << bad.output;
  EXPECT_NE(bad.output.find("failed 4 times"), std::string::npos) << bad.output;
  // The master serves the next job as if nothing had happened.
  cluster.AddWorker("healthy");
  Result good = cluster.Submit(JobFile(dir.path(), dir.path() / "good"));
  ASSERT_EQ(good.status, 0) << good.output << cluster.MasterLog();
  EXPECT_EQ(ReadCounts((dir.path() / "good").string()), *expected_);
  EXPECT_TRUE(cluster.master().Running()) << cluster.MasterLog();
}

TEST_F(Failures, ASecondMasterDoesNotTakeOverALiveConnectionFile) {
  TempDir dir("two-masters");
  TestCluster cluster(dir.path());
  Result second = Shell(Minimr() + " master --connection-file " + cluster.connection_file());
  EXPECT_EQ(second.status, 1) << second.output;
  EXPECT_NE(second.output.find("belongs to a master that is running"), std::string::npos);
  cluster.AddWorker("worker");
  EXPECT_TRUE(cluster.WaitForRegistrations(1, seconds(30))) << "the first master's file is intact";
}

TEST_F(Failures, AStalledWorkerDoesNotHoldTheJob) {
  TempDir dir("stalled");
  // Failure detection is too slow to help here: only speculation can finish the job soon.
  TestCluster cluster(dir.path(), {"--worker-timeout", "10m"});
  size_t stalling = cluster.AddWorker("stalling worker", "stall@map:*");
  ASSERT_TRUE(cluster.WaitForRegistrations(1, seconds(30))) << cluster.MasterLog();
  cluster.AddWorker("worker 2");
  cluster.AddWorker("worker 3");
  ASSERT_TRUE(cluster.WaitForRegistrations(3, seconds(30))) << cluster.MasterLog();
  fs::path out = dir.path() / "out";
  Result r = cluster.Submit(JobFile(dir.path(), out));
  ASSERT_EQ(r.status, 0) << r.output << cluster.MasterLog();
  EXPECT_EQ(ReadCounts(out.string()), *expected_);
  std::string record = ReadFile(out / "job.json");
  EXPECT_NE(record.find("\"speculative\": true"), std::string::npos) << record;
  EXPECT_NE(record.find("\"outcome\": \"killed\""), std::string::npos) << record;
  cluster.worker(stalling).Signal(SIGKILL);
}

TEST_F(Failures, AFrozenWorkerHoldingMapOutputDoesNotHangTheReduce) {
  TempDir dir("frozen");
  TestCluster cluster(dir.path(), {"--worker-timeout", "10m", "--fetch-timeout", "1s"});
  ASSERT_TRUE(AddAFreezingWorkerThenAPlainOne(cluster)) << cluster.MasterLog();
  fs::path out = dir.path() / "out";
  Result r = cluster.Submit(JobFile(dir.path(), out));
  ASSERT_EQ(r.status, 0) << r.output << cluster.MasterLog();
  EXPECT_EQ(ReadCounts(out.string()), *expected_);
  std::string record = ReadFile(out / "job.json");
  EXPECT_NE(record.find("its output could not be fetched"), std::string::npos) << record;
  cluster.worker(0).Signal(SIGKILL);  // the frozen one
}

TEST_F(Failures, ReducesWaitingForLostMapOutputArePreemptedSoThatTheMapsRunAgain) {
  TempDir dir("preempted");
  // The freezing worker holds one map output and is taken for dead 8 s after it stops, by which
  // time worker 2 has run the other maps and started a reduce; that reduce's fetch from the
  // frozen worker would wait 10 minutes, and the map to run again has no other worker.
  TestCluster cluster(dir.path(),
                      {"--heartbeat", "200ms", "--worker-timeout", "8s", "--fetch-timeout", "10m"});
  ASSERT_TRUE(AddAFreezingWorkerThenAPlainOne(cluster)) << cluster.MasterLog();
  fs::path out = dir.path() / "out";
  Result r = cluster.Submit(JobFile(dir.path(), out));
  ASSERT_EQ(r.status, 0) << r.output << cluster.MasterLog();
  EXPECT_EQ(ReadCounts(out.string()), *expected_);
  EXPECT_NE(cluster.MasterLog().find("is preempted: map tasks must run again first"),
            std::string::npos)
      << cluster.MasterLog();
  nlohmann::json record = nlohmann::json::parse(ReadFile(out / "job.json"));
  int preempted = 0;
  for (const auto& attempt : record["tasks"]["attempts"]) {
    if (attempt["phase"] == "reduce" && attempt["outcome"] == "killed" &&
        attempt.value("error", "").find("preempted") != std::string::npos) {
      ++preempted;
    }
  }
  EXPECT_GE(preempted, 1) << record.dump(2);
  EXPECT_EQ(record["tasks"]["reduce"]["failed"].get<int>(), 0) << record.dump(2);
  cluster.worker(0).Signal(SIGKILL);  // the frozen one
}

TEST_F(Failures, AWorkerKilledAfterItsMapsFinishedHasThoseMapsRunAgain) {
  TempDir dir("killed-after-maps");
  TestCluster cluster(dir.path(), {"--worker-timeout", "10m", "--fetch-timeout", "5s"});
  // The doomed worker finishes one map task, reports it, and stops with its output; the test
  // then kills it, so that output is gone before any reduce has it.
  size_t doomed = cluster.AddWorker("doomed worker", "stall-after-maps=1");
  ASSERT_TRUE(cluster.WaitForRegistrations(1, seconds(30))) << cluster.MasterLog();
  cluster.AddWorker("worker 2");
  ASSERT_TRUE(cluster.WaitForRegistrations(2, seconds(30))) << cluster.MasterLog();
  fs::path out = dir.path() / "out";
  auto submit = cluster.StartSubmit(JobFile(dir.path(), out), {});
  ASSERT_TRUE(WaitUntilStopped(cluster.worker(doomed).pid(), seconds(60))) << cluster.MasterLog();
  cluster.worker(doomed).Signal(SIGKILL);
  ASSERT_TRUE(submit->WaitFor(seconds(120))) << cluster.MasterLog();
  ASSERT_TRUE(submit->ExitedCleanly()) << submit->Ending() << "\n" << cluster.MasterLog();
  EXPECT_EQ(ReadCounts(out.string()), *expected_);
  // The map task whose output died with the worker ran again, and a later attempt won. (The
  // worker may also have been given another map task before it stopped: that attempt is lost
  // as a running one, not as output.)
  nlohmann::json record = nlohmann::json::parse(ReadFile(out / "job.json"));
  int lost_outputs = 0;
  for (const auto& lost : record["tasks"]["attempts"]) {
    if (lost["phase"] != "map" || lost["outcome"] != "lost" ||
        lost.value("error", "").find("its output") == std::string::npos) {
      continue;
    }
    ++lost_outputs;
    EXPECT_EQ(lost["worker"], "doomed worker") << lost;
  }
  EXPECT_EQ(lost_outputs, 1) << record.dump(2);
  // job.json lists only the attempts that did not simply succeed; its summary counts the rest.
  // An attempt whose output was lost had succeeded first, so each lost output means one more
  // map attempt that succeeded: the one run again.
  const nlohmann::json& maps = record["tasks"]["map"];
  EXPECT_EQ(maps["succeeded"].get<int>(), maps["tasks"].get<int>() + lost_outputs)
      << record.dump(2);
}

// A commit on a slow file system (its syncs an NFS server's to answer): the master goes on
// hearing and answering its workers and its client meanwhile, where before it was silent for the
// whole commit and its workers (here after 2 s) took it for dead and exited.
class SlowCommit : public Failures {
 protected:
  // A cluster of one worker whose master's commits each take `commit` (6 s).
  void StartCluster(const fs::path& dir, const std::string& commit = "6s") {
    cluster_ = std::make_unique<TestCluster>(
        dir / "cluster",
        std::vector<std::string>{"--faults", "delay=" + commit + "@commit", "--heartbeat", "200ms",
                                 "--worker-timeout", "2s"});
    cluster_->AddWorker("worker 1");
    ASSERT_TRUE(cluster_->WaitForRegistrations(1, seconds(30))) << cluster_->MasterLog();
  }
  // Starts the job into `out` and waits until its commit is under way.
  std::unique_ptr<minimr::ChildProcess> SubmitAndWaitForTheCommit(const fs::path& dir,
                                                                  const fs::path& out) {
    auto submit = cluster_->StartSubmit(JobFile(dir, out), {});
    EXPECT_TRUE(WaitForText(cluster_->dir() / "master.log", "job 1: committing its output",
                            seconds(120)))
        << cluster_->MasterLog();
    return submit;
  }
  std::unique_ptr<TestCluster> cluster_;
};

TEST_F(SlowCommit, TheWorkersAndTheClientStayWithTheMaster) {
  TempDir dir("slow-commit");
  StartCluster(dir.path());
  fs::path out = dir.path() / "out";
  Result first = cluster_->Submit(JobFile(dir.path(), out));
  ASSERT_EQ(first.status, 0) << first.output << cluster_->MasterLog();
  EXPECT_EQ(ReadCounts(out.string()), *expected_);
  const std::string worker_log = ReadFile(cluster_->dir() / "worker-0.log");
  EXPECT_EQ(worker_log.find("has been silent"), std::string::npos) << worker_log;
  EXPECT_EQ(cluster_->MasterLog().find("lost worker"), std::string::npos) << cluster_->MasterLog();
  // The same worker runs the next job: it never left.
  Result second = cluster_->Submit(JobFile(dir.path(), dir.path() / "out2"));
  ASSERT_EQ(second.status, 0) << second.output << cluster_->MasterLog();
  EXPECT_EQ(ReadCounts((dir.path() / "out2").string()), *expected_);
  EXPECT_FALSE(cluster_->WaitForRegistrations(2, std::chrono::milliseconds(0)));
}

// SIGTERM to a master while it commits: the job's output is put in place whole and its client
// told, and only then does the master stop (not removing the staging directory it commits from).
TEST_F(SlowCommit, AMasterStoppedMeanwhileFinishesTheCommitAndSaysSoFirst) {
  TempDir dir("slow-commit-stop");
  StartCluster(dir.path());
  fs::path out = dir.path() / "out";
  auto submit = SubmitAndWaitForTheCommit(dir.path(), out);
  cluster_->master().Signal(SIGTERM);
  ASSERT_TRUE(submit->WaitFor(seconds(60)));
  EXPECT_TRUE(submit->ExitedCleanly())
      << submit->Ending() << "\n"
      << ReadFile(cluster_->dir() / "submit-0.log") << cluster_->MasterLog();
  EXPECT_EQ(ReadCounts(out.string()), *expected_);
  ASSERT_TRUE(cluster_->master().WaitFor(seconds(60)));
  EXPECT_TRUE(cluster_->master().ExitedCleanly()) << cluster_->master().Ending();
  EXPECT_NE(cluster_->MasterLog().find("stopping once job 1 has committed its output"),
            std::string::npos)
      << cluster_->MasterLog();
}

// A Ctrl-C on `minimr submit` while the output is put in place: too late to cancel, and the
// client says so rather than that the job was cancelled.
TEST_F(SlowCommit, ACancelDuringTheCommitIsTooLateAndTheClientSaysSo) {
  TempDir dir("slow-commit-cancel");
  StartCluster(dir.path());
  fs::path out = dir.path() / "out";
  auto submit = SubmitAndWaitForTheCommit(dir.path(), out);
  submit->Signal(SIGTERM);
  ASSERT_TRUE(submit->WaitFor(seconds(60)));
  const std::string log = ReadFile(cluster_->dir() / "submit-0.log");
  EXPECT_NE(log.find("the job had finished before it could be cancelled"), std::string::npos)
      << log << cluster_->MasterLog();
  EXPECT_EQ(ReadCounts(out.string()), *expected_);
  EXPECT_NE(cluster_->MasterLog().find("too late, it commits"), std::string::npos)
      << cluster_->MasterLog();
}

// A master told to stop while it commits refuses new jobs; a second signal then ends it at once
// (a file system that never answers must not hold it), its connection file removed.
TEST_F(SlowCommit, ASecondSignalEndsAMasterThatWaitsForItsCommit) {
  TempDir dir("slow-commit-twice");
  StartCluster(dir.path(), "120s");  // far longer than the steps before the second signal
  auto submit = SubmitAndWaitForTheCommit(dir.path(), dir.path() / "out");
  cluster_->master().Signal(SIGTERM);
  ASSERT_TRUE(WaitForText(cluster_->dir() / "master.log",
                          "stopping once job 1 has committed its output", seconds(30)))
      << cluster_->MasterLog();
  Result refused = cluster_->Submit(JobFile(dir.path(), dir.path() / "out2"));
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.output.find("the master is stopping"), std::string::npos) << refused.output;
  cluster_->master().Signal(SIGTERM);
  ASSERT_TRUE(cluster_->master().WaitFor(seconds(30)));
  EXPECT_EQ(cluster_->master().Ending(), "exited with status " + std::to_string(128 + SIGTERM))
      << cluster_->MasterLog();
  EXPECT_NE(cluster_->MasterLog().find("a second signal: exiting without waiting for the commit"),
            std::string::npos)
      << cluster_->MasterLog();
  EXPECT_FALSE(fs::exists(cluster_->connection_file()));
  EXPECT_FALSE(fs::exists(dir.path() / "out2"));
  ASSERT_TRUE(submit->WaitFor(seconds(60)));
}

// `minimr run` interrupted while its job commits: its master finishes the commit, and the run
// says that the output is complete, where it said the output was left as it was.
TEST_F(Failures, ARunInterruptedWhileItCommitsSaysTheOutputIsCommitted) {
  TempDir dir("interrupted-commit");
  fs::path out = dir.path() / "out";
  minimr::ChildProcess run = StartRun(dir.path(), JobFile(dir.path(), out), "delay=3s@commit");
  ASSERT_TRUE(WaitForTheRunsMasterToSay(dir.path(), "job 1: committing its output"));
  run.Signal(SIGTERM);
  ASSERT_TRUE(run.WaitFor(seconds(60)));
  const std::string log = ReadFile(dir.path() / "run.log");
  EXPECT_EQ(run.Ending(), "exited with status " + std::to_string(128 + SIGTERM)) << log;
  EXPECT_NE(log.find("the job had committed its output before it stopped: it is complete in " +
                     out.string()),
            std::string::npos)
      << log;
  EXPECT_EQ(ReadCounts(out.string()), *expected_);
}

TEST_F(Failures, RunReplacesAFrozenWorker) {
  TempDir dir("frozen-run");
  // One worker, which stops itself (SIGSTOP) at the first task: only a replacement can finish.
  Result r = Run(JobFile(dir.path(), dir.path() / "out",
                         "cluster: {workers: 1, heartbeat_interval: 200ms, worker_timeout: 1s}\n"),
                 "stall@map:0#0", dir.path());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("has been stopped for 1 s; killing it"), std::string::npos) << r.output;
  EXPECT_EQ(ReadCounts((dir.path() / "out").string()), *expected_);
  auto left = WaitForNoProcessesMentioning(dir.path().string(), seconds(10));
  EXPECT_TRUE(left.empty()) << DescribeProcesses(left);
}

TEST_F(Failures, WorkersExitWhenTheirMasterIsKilled) {
  TempDir dir("master-killed");
  TestCluster cluster(dir.path());
  cluster.AddWorker("worker 1");
  cluster.AddWorker("worker 2");
  ASSERT_TRUE(cluster.WaitForRegistrations(2, seconds(30)));
  cluster.master().Signal(SIGKILL);
  EXPECT_TRUE(cluster.worker(0).WaitFor(seconds(30)));
  EXPECT_TRUE(cluster.worker(1).WaitFor(seconds(30)));
  {
    auto left = WaitForNoProcessesMentioning(dir.path().string(), seconds(5));
    EXPECT_TRUE(left.empty()) << "left running:\n" << DescribeProcesses(left);
  }
}

TEST_F(Failures, WorkersExitWhenTheirMasterFallsSilent) {
  TempDir dir("master-stopped");
  TestCluster cluster(dir.path(), {"--heartbeat", "100ms", "--worker-timeout", "1s"});
  cluster.AddWorker("worker 1");
  // The worker's side of the registration, not the master's: a master stopped between logging
  // a registration and sending its answer leaves the worker on its 30 s registration deadline.
  ASSERT_TRUE(WaitForText(dir.path() / "worker-0.log", "registered with the master", seconds(30)));
  cluster.master().Signal(SIGSTOP);
  EXPECT_TRUE(cluster.worker(0).WaitFor(seconds(30)));
  EXPECT_NE(ReadFile(dir.path() / "worker-0.log").find("has been silent for"), std::string::npos);
  cluster.master().Signal(SIGCONT);
}

TEST_F(Failures, AWorkerLeavesItsWorkDirectoryAndOnlyRemovesWhatItMade) {
  TempDir dir("work-dir");
  fs::path work = dir.path() / "work";
  fs::create_directories(work / "src");
  std::ofstream(work / "notes.txt") << "mine";
  TestCluster cluster(dir.path());
  minimr::ChildProcess worker({Minimr(), "worker", "--connection-file",
                                 cluster.connection_file(), "--work-dir", work.string()},
                                (dir.path() / "w.log").string());
  ASSERT_TRUE(cluster.WaitForRegistrations(1, seconds(30)));
  size_t entries = 0;
  for (const auto& entry : fs::directory_iterator(work)) entries += entry.exists() ? 1 : 0;
  EXPECT_EQ(entries, 3u) << "notes.txt, src/ and the worker's own scratch directory";
  cluster.Stop();
  ASSERT_TRUE(worker.WaitFor(seconds(20)));
  EXPECT_EQ(ReadFile(work / "notes.txt"), "mine");
  EXPECT_TRUE(fs::is_directory(work / "src"));
  entries = 0;
  for (const auto& entry : fs::directory_iterator(work)) entries += entry.exists() ? 1 : 0;
  EXPECT_EQ(entries, 2u);
}


class InterruptedRun : public Failures, public ::testing::WithParamInterface<int> {};

TEST_P(InterruptedRun, StopsTheClusterAndCommitsNothing) {
  int signal = GetParam();
  TempDir dir("interrupted");
  fs::path out = dir.path() / "out";
  std::string yaml = JobFile(dir.path(), out);
  minimr::ChildProcess run = StartRun(dir.path(), yaml, "delay=300ms@map:*");
  ASSERT_TRUE(WaitForTheRunsJobToStart(dir.path()));
  run.Signal(signal);
  ASSERT_TRUE(run.WaitFor(seconds(30)));
  std::string log = ReadFile(dir.path() / "run.log");
  if (signal != SIGKILL) {
    EXPECT_EQ(run.Ending(), "exited with status " + std::to_string(128 + signal));
    EXPECT_NE(log.find("interrupted by SIG"), std::string::npos) << log;
    EXPECT_NE(log.find("the cluster is stopped"), std::string::npos) << log;
    EXPECT_EQ(log.find("Interrupted system call"), std::string::npos) << log;
  }
  // Its master and workers go with it, the job commits nothing, and nothing is left beside it.
  {
    auto left = WaitForNoProcessesMentioning(dir.path().string(), seconds(30));
    EXPECT_TRUE(left.empty()) << "left running:\n" << DescribeProcesses(left);
  }
  EXPECT_FALSE(fs::exists(out));
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    // (The output's lock file, .out.minimr-lock, stays by design.)
    EXPECT_FALSE(entry.is_directory() &&
                 entry.path().filename().string().find(".out.minimr-") != std::string::npos)
        << "a staging directory was left behind: " << entry.path();
  }
}

// `nohup minimr run ...` outlives the terminal it was started at: the hang-up it was started to
// ignore does not interrupt it (a handler of its own had undone nohup's).
TEST_F(Failures, ARunUnderNohupOutlivesAHangUp) {
  TempDir dir("nohup");
  fs::path out = dir.path() / "out";
  minimr::ChildProcess run =
      StartRun(dir.path(), JobFile(dir.path(), out), "delay=100ms@map:*", {"/usr/bin/nohup"});
  ASSERT_TRUE(WaitForTheRunsJobToStart(dir.path()));
  run.Signal(SIGHUP);  // nohup has become minimr: the same process
  ASSERT_TRUE(run.WaitFor(seconds(120)));
  EXPECT_EQ(run.Ending(), "exited with status 0") << ReadFile(dir.path() / "run.log");
  EXPECT_EQ(ReadCounts(out.string()), *expected_);
}

// A full $TMPDIR: the master can write neither its connection file nor its error, and `minimr
// run` says why its log is empty instead of printing nothing after it. (A small tmpfs, filled:
// root only.)
TEST_F(Failures, AFullTmpdirIsSaidWhenTheMasterCannotStart) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root";
  TempDir dir("full-tmpdir");
  const fs::path tmp = dir.path() / "tmp";
  fs::create_directories(tmp);
  Result mount = Shell("mount -t tmpfs -o size=64k,mode=0700 tmpfs " + tmp.string());
  if (mount.status != 0) GTEST_SKIP() << "cannot mount a tmpfs here: " << mount.output;
  struct Unmount {
    std::string path;
    ~Unmount() { Shell("umount -l " + path); }
  } unmount{tmp.string()};
  Shell("dd if=/dev/zero of=" + (tmp / "filler").string() + " bs=4k");  // until it is full
  fs::path out = dir.path() / "out";
  Result run = Shell("TMPDIR=" + tmp.string() + " timeout 300 " + Minimr() + " run " +
                     JobFile(dir.path(), out));
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.output.find("the master did not start"), std::string::npos) << run.output;
  EXPECT_NE(
      run.output.find("(its log is empty: the file system of " + tmp.string() + "/minimr-run-"),
      std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find(" is full, 0 bytes free"), std::string::npos) << run.output;
  EXPECT_FALSE(fs::exists(out));
}

// Stopped workers (SIGSTOP, as a Ctrl-Z of theirs would) never hear that their master went: an
// interrupted run tells them at once instead of waiting out its 10 s grace for them to leave.
// (The bound is far from both: 0.1 s with the change, 10 s without it.)
TEST_F(Failures, AnInterruptedRunDoesNotWaitForWorkersThatCannotLeave) {
  TempDir dir("interrupted-stopped");
  fs::path out = dir.path() / "out";
  minimr::ChildProcess run = StartRun(dir.path(), JobFile(dir.path(), out), "stall@map:*");
  std::vector<pid_t> stopped;
  for (int i = 0; i < 6000 && stopped.size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    stopped.clear();
    for (pid_t pid : ProcessesMentioning(dir.path().string())) {  // the run and its forks
      if (IsStopped(pid)) stopped.push_back(pid);
    }
  }
  ASSERT_EQ(stopped.size(), 2u) << "the workers did not stop at their first tasks";
  run.Signal(SIGTERM);
  EXPECT_TRUE(run.WaitFor(seconds(8))) << ReadFile(dir.path() / "run.log");
  ASSERT_TRUE(run.WaitFor(seconds(30)));
  EXPECT_EQ(run.Ending(), "exited with status " + std::to_string(128 + SIGTERM));
  auto left = WaitForNoProcessesMentioning(dir.path().string(), seconds(10));
  EXPECT_TRUE(left.empty()) << "left running:\n" << DescribeProcesses(left);
}

// A run's directory in TMPDIR (its connection file and logs): one left by a run killed outright
// goes with the next run there; a failed run's, which the user is told of, stays.
TEST_F(Failures, TheNextRunRemovesAKilledRunsDirectoryButNotAFailedRunsLogs) {
  TempDir dir("run-dirs");
  const fs::path tmp = dir.path() / "tmp";
  fs::create_directories(tmp);
  auto run_dirs = [&] {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(tmp)) {
      names.insert(entry.path().filename().string());
    }
    return names;
  };
  const std::string yaml = JobFile(dir.path(), dir.path() / "out");
  {
    minimr::ChildProcess killed(
        {Minimr(), "run", yaml, "--no-report", "-D", "output.overwrite=true"},
        (dir.path() / "killed.log").string(),
        {"TMPDIR=" + tmp.string(), "MINIMR_FAULTS=stall@map:*"});
    // Its directory made and locked (killed before the lock, it would stay for good).
    for (int i = 0;
         i < 6000 && (run_dirs().empty() || !fs::exists(tmp / *run_dirs().begin() / ".lock"));
         ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(run_dirs().size(), 1u);
    ASSERT_TRUE(fs::exists(tmp / *run_dirs().begin() / ".lock"));
    killed.Signal(SIGKILL);
    killed.WaitFor(seconds(10));
  }
  const std::set<std::string> left = run_dirs();
  ASSERT_EQ(left.size(), 1u) << "a run killed outright cannot remove its directory";
  // (Its master and workers end on their own: SIGTERM from the kernel as their parent dies.)
  EXPECT_TRUE(WaitForNoProcessesMentioning(dir.path().string(), seconds(30)).empty());

  Result failed = Run(yaml, "throw@map:*", tmp, "--no-report -D output.overwrite=true");
  ASSERT_EQ(failed.status, 1) << failed.output;
  std::set<std::string> now = run_dirs();
  EXPECT_EQ(now.count(*left.begin()), 0u) << "the killed run's directory is still there";
  ASSERT_EQ(now.size(), 1u);
  const std::string kept = *now.begin();
  EXPECT_NE(failed.output.find("the cluster's logs are in " + (tmp / kept).string()),
            std::string::npos)
      << failed.output;

  Result ok = Run(yaml, "", tmp, "--no-report -D output.overwrite=true");
  ASSERT_EQ(ok.status, 0) << ok.output;
  EXPECT_EQ(run_dirs(), std::set<std::string>{kept}) << "the failed run's logs are kept";
  EXPECT_TRUE(fs::exists(tmp / kept / "master.log"));
}

INSTANTIATE_TEST_SUITE_P(BySignal, InterruptedRun,
                         ::testing::Values(SIGINT, SIGTERM, SIGHUP, SIGKILL),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string("SIG") + ::sigabbrev_np(info.param);
                         });

}  // namespace
}  // namespace minimr::testing
