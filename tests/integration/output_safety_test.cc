// minimr writes only where it may and removes only what it made: a user's directory is never
// taken for an output, minimr's own output is replaced only when the job says so, one job at a
// time writes an output, scratch space and connection files are private, a full disk and an
// interrupted `minimr submit` leave the output as it was. Real processes on loopback; each test
// watches the guard it is named for (docs/bad-input.md lists them).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "framework/src/wire/archive.h"
#include "framework/src/wire/blocking_client.h"
#include "framework/src/wire/connection_file.h"
#include "tests/common/job_result.h"
#include "tests/integration/harness.h"

namespace minimr::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

// Every file and directory under `dir` (relative path -> contents, "<dir>" for directories, and
// the mode), to show that nothing in it changed.
std::map<std::string, std::string> Snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    struct stat info;
    ::lstat(entry.path().c_str(), &info);
    files[fs::relative(entry.path(), dir).string()] =
        (entry.is_directory() ? std::string("<dir>") : ReadFile(entry.path())) + " mode " +
        std::to_string(info.st_mode & 07777);
  }
  return files;
}

// A user's directory: notes, sources, and a stray file that looks like minimr's.
void MakeUserDirectory(const fs::path& dir, const std::string& stray, const std::string& text) {
  fs::create_directories(dir / "src");
  std::ofstream(dir / "notes.txt") << "my notes, not minimr's\n";
  std::ofstream(dir / "src" / "main.c") << "int main(void) { return 0; }\n";
  std::ofstream(dir / stray) << text;
}

// Entries beside `dir` that a job makes while it runs (its staging directory).
std::vector<std::string> StagingLeftBeside(const fs::path& dir) {
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(dir.parent_path())) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("." + dir.filename().string() + ".minimr-", 0) == 0 &&
        name.find("minimr-lock") == std::string::npos) {
      left.push_back(name);
    }
  }
  return left;
}

// 20,000 digits of pi in two files, made once by the real command, and their pair counts.
class OutputSafety : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new TempDir("output-safety-data");
    Result r = Shell(Minimr() + " pi generate --digits 20000 --files 2 --out " +
                     (data_->path() / "pi").string());
    ASSERT_EQ(r.status, 0) << r.output;
    std::string digits;
    for (const char* name : {"pi20k.ascii.01of02", "pi20k.ascii.02of02"}) {
      for (char c : ReadFile(data_->path() / "pi" / name)) {
        if (c >= '0' && c <= '9') digits += c;
      }
    }
    expected_ = new std::map<std::string, uint64_t>;
    for (size_t i = 0; i + 2 <= digits.size(); ++i) (*expected_)[digits.substr(i, 2)]++;
  }
  static void TearDownTestSuite() {
    delete data_;
    delete expected_;
  }

  // A pair-counting job file in `dir`, output in `out`, 4 KiB splits (two workers by default).
  std::string JobFile(const fs::path& dir, const fs::path& out, const std::string& extra = "") {
    fs::path yaml = dir / "pi.yaml";
    std::ofstream(yaml) << "job: pidigits\nparams: {n: 2}\ninput:\n  paths: "
                        << (data_->path() / "pi").string()
                        << "/pi*\n  split_size: 4KiB\noutput:\n  dir: " << out.string() << "\n"
                        << extra;
    return yaml.string();
  }

  // A `minimr submit` of JobFile's job into dir/out on `cluster` (one worker, its map tasks
  // slowed to 300 ms each), returned once the master says the job has started.
  std::unique_ptr<minimr::ChildProcess> SubmitASlowJob(TestCluster& cluster, const fs::path& dir) {
    cluster.AddWorker("w1", "delay=300ms@map:*");
    EXPECT_TRUE(cluster.WaitForRegistrations(1, seconds(30)));
    auto submit = cluster.StartSubmit(JobFile(dir, dir / "out"), {});
    EXPECT_TRUE(WaitForText(dir / "cluster" / "master.log", "job 1 started", seconds(60)));
    return submit;
  }

  // A word count of one map task over `words` distinct words (written to dir/words.txt) into
  // dir/out: its map output is over the 1 MiB a worker keeps in memory from 70,000 words on.
  static std::string WordCountFile(const fs::path& dir, int words) {
    {
      std::ofstream text(dir / "words.txt");
      for (int i = 0; i < words; ++i) text << "word" << i << "\n";
    }
    const fs::path yaml = dir / "wordcount.yaml";
    std::ofstream(yaml) << "job: wordcount\ninput:\n  paths: " << (dir / "words.txt").string()
                        << "\n  split_size: file\noutput:\n  dir: " << (dir / "out").string()
                        << "\n";
    return yaml.string();
  }

  // `minimr run` with TMPDIR in `dir`, and extra words on its command line.
  Result Run(const std::string& yaml, const fs::path& dir, const std::string& args = "") {
    return Shell("TMPDIR=" + dir.string() + " timeout 300 " + Minimr() + " run " + yaml + " " +
                 args);
  }

  static TempDir* data_;
  static std::map<std::string, uint64_t>* expected_;
};
TempDir* OutputSafety::data_;
std::map<std::string, uint64_t>* OutputSafety::expected_;

TEST_F(OutputSafety, AUsersDirectoryWithAStraySuccessOrJobJsonIsNeverTouched) {
  for (const auto& [stray, text] : std::map<std::string, std::string>{
           {"_SUCCESS", ""}, {"job.json", "{\"job\": \"pidigits\", \"output_id\": \"\"}\n"}}) {
    SCOPED_TRACE(stray);
    TempDir dir("user-dir");
    fs::path user = dir.path() / "results";
    MakeUserDirectory(user, stray, text);
    const auto before = Snapshot(user);
    std::string yaml = JobFile(dir.path(), dir.path() / "elsewhere");
    for (const char* overwrite : {"false", "true"}) {
      Result r = Run(yaml, dir.path(),
                     "-D output.dir=" + user.string() + " -D output.overwrite=" + overwrite);
      EXPECT_EQ(r.status, 2) << r.output;
      EXPECT_NE(r.output.find("-D output.dir=" + user.string() + ": output.dir " + user.string() +
                              " is a non-empty directory that minimr did not make"),
                std::string::npos)
          << r.output;
    }
    EXPECT_EQ(Snapshot(user), before) << "the user's files are exactly as they were";
    EXPECT_TRUE(StagingLeftBeside(user).empty());
  }
}

// A client that skips its checks (a stranger's, or an old one) sends the job straight to the
// master: the master refuses a directory that is not minimr's, and one that another job holds.
TEST_F(OutputSafety, TheMasterRefusesAnOutputThatIsNotMinimrsOrIsLocked) {
  TempDir dir("raw-submit");
  // The one worker stops itself (SIGSTOP) as a job's map task 0 starts, and the test wakes it: the
  // job that holds the output is held, however slow the machine, while a second one is refused.
  TestCluster cluster(dir.path() / "cluster", {"--worker-timeout", "10m"});
  const size_t w1 = cluster.AddWorker("w1", "stall@map:0#0");
  ASSERT_TRUE(cluster.WaitForRegistrations(1, seconds(30)));
  fs::path user = dir.path() / "results";
  MakeUserDirectory(user, "_SUCCESS", "");
  const auto before = Snapshot(user);
  wire::ConnectionInfo info = wire::ReadConnectionFile(cluster.connection_file());
  auto submission = [&](const fs::path& out) {
    wire::JobSubmission s;
    s.job_name = "pidigits";
    s.params = {{"n", "2"}};
    s.input_paths = {(data_->path() / "pi" / "pi20k.ascii.01of02").string()};
    s.split_size = 4096;
    s.output_dir = out.string();
    s.output_overwrite = true;
    return s;
  };
  {
    wire::BlockingClient client(info.host, info.port, info.key);
    client.Send(wire::MessageType::kSubmitJob, wire::Encode(submission(user)));
    wire::JobStatus result = ReceiveJobResult(client);
    EXPECT_FALSE(result.ok);
    EXPECT_NE(result.error.find("is a non-empty directory that minimr did not make"),
              std::string::npos)
        << result.error;
  }
  EXPECT_EQ(Snapshot(user), before);

  // Two jobs for one output: the first holds it from admission, the second is refused.
  fs::path out = dir.path() / "out";
  wire::BlockingClient first(info.host, info.port, info.key, seconds(60));
  first.Send(wire::MessageType::kSubmitJob, wire::Encode(submission(out)));
  ASSERT_TRUE(WaitUntilStopped(cluster.worker(w1).pid(), seconds(60))) << cluster.MasterLog();
  {
    wire::BlockingClient second(info.host, info.port, info.key);
    second.Send(wire::MessageType::kSubmitJob, wire::Encode(submission(out)));
    // A refusal is the first answer: a job taken into the queue would hear of its progress first,
    // and wait behind the held one for as long as the test holds it.
    wire::MessageType type;
    std::string body;
    second.Receive(&type, &body);
    ASSERT_EQ(type, wire::MessageType::kJobResult) << "the second job was not refused at once";
    wire::JobStatus result;
    wire::Decode(body, result);
    EXPECT_FALSE(result.ok);
    EXPECT_NE(
        result.error.find("output " + out.string() + " is being written by another job (pid " +
                          std::to_string(cluster.master().pid()) + " on "),
        std::string::npos)
        << result.error;
  }
  cluster.worker(w1).Signal(SIGCONT);
  wire::JobStatus done = ReceiveJobResult(first);
  EXPECT_TRUE(done.ok) << done.error;
  EXPECT_FALSE(done.output_id.empty());
  EXPECT_EQ(ReadFile(out / ".minimr-output"), done.output_id + "\n");
}

// The output a commit replaced cannot be removed (an immutable file here; a busy file on NFS):
// the run says where it is left, where it used to exit 0 without a word, a whole hidden copy of
// the old output beside the new. (chattr +i: root, on a file system that has it.)
TEST_F(OutputSafety, AReplacedOutputThatCannotBeRemovedIsSaid) {
  if (::geteuid() != 0) GTEST_SKIP() << "chattr +i needs root";
  TempDir dir("unremovable");
  const fs::path out = dir.path() / "out";
  const std::string yaml = JobFile(dir.path(), out);
  ASSERT_EQ(Run(yaml, dir.path(), "--no-report").status, 0);
  const fs::path stuck = out / "part-r-00000";
  Result chattr = Shell("chattr +i " + stuck.string());
  if (chattr.status != 0) GTEST_SKIP() << "no chattr +i here: " << chattr.output;
  struct Release {  // wherever the file is by then, for TempDir to remove it
    std::string path;
    ~Release() { Shell("chattr -i " + path); }
  } release{stuck.string()};
  Result again = Run(yaml, dir.path(), "--no-report -D output.overwrite=true");
  // Where the file went with the old output: in the directory the run names.
  bool beside = false;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    if (entry.path().filename().string().find(".out.minimr-") == 0 && entry.is_directory()) {
      release.path = (entry.path() / "part-r-00000").string();
      beside = true;
    }
  }
  EXPECT_EQ(again.status, 0) << again.output;
  EXPECT_NE(again.output.find("minimr run: warning: could not remove " + dir.path().string() +
                              "/.out.minimr-"),
            std::string::npos)
      << again.output;
  EXPECT_NE(again.output.find(": Operation not permitted; it is left there"), std::string::npos)
      << again.output;
  EXPECT_EQ(ReadCounts(out.string()), *expected_);
  EXPECT_TRUE(beside) << "the old output is not beside the new";
}

TEST_F(OutputSafety, OverwriteWorksOnlyWhenTheJobSaysSoAndOnlyOverMinimrsOwnOutput) {
  TempDir dir("overwrite");
  fs::path out = dir.path() / "out";
  std::string yaml = JobFile(dir.path(), out);
  Result first = Run(yaml, dir.path());
  ASSERT_EQ(first.status, 0) << first.output;
  const std::string id = ReadFile(out / ".minimr-output");
  EXPECT_EQ(
      nlohmann::json::parse(ReadFile(out / "job.json"))["output_id"].get<std::string>() + "\n", id);
  const auto before = Snapshot(out);

  Result again = Run(yaml, dir.path());
  EXPECT_EQ(again.status, 2) << again.output;
  EXPECT_NE(again.output.find("output.dir " + out.string() +
                              " holds the output of a previous minimr job; set output.overwrite: "
                              "true"),
            std::string::npos)
      << again.output;
  EXPECT_EQ(Snapshot(out), before);

  Result replaced = Run(yaml, dir.path(), "-D output.overwrite=true");
  ASSERT_EQ(replaced.status, 0) << replaced.output;
  EXPECT_NE(ReadFile(out / ".minimr-output"), id) << "a new output, with a new id";
  EXPECT_EQ(ReadCounts(out.string()), *expected_);

  // A marker that the output's job.json does not confirm is not minimr's mark.
  std::ofstream(out / ".minimr-output") << "forged\n";
  const auto forged = Snapshot(out);
  Result refused = Run(yaml, dir.path(), "-D output.overwrite=true");
  EXPECT_EQ(refused.status, 2) << refused.output;
  EXPECT_NE(refused.output.find("minimr did not make"), std::string::npos) << refused.output;
  EXPECT_EQ(Snapshot(out), forged);
}

TEST_F(OutputSafety, TwoConcurrentRunsIntoOneOutputDirOneWinsTheOtherIsRefused) {
  TempDir dir("two-runs");
  fs::path out = dir.path() / "out";
  std::string yaml = JobFile(dir.path(), out);
  fs::path tmp_a = dir.path() / "tmp-a";
  fs::create_directories(tmp_a);
  // Its map tasks take a second each and map task 0 (and any backup of it) seven: long enough for
  // the second run and `minimr report` below to start and be refused while it holds the output,
  // even where starting a sanitized minimr takes a second or two on a busy machine.
  minimr::ChildProcess a(
      {Minimr(), "run", yaml}, (dir.path() / "a.log").string(),
      {"TMPDIR=" + tmp_a.string(), "MINIMR_FAULTS=delay=1s@map:*,delay=6s@map:0"});
  // The first run's master holds the output from the moment it admits the job.
  fs::path master_log;
  for (int i = 0; i < 3000 && master_log.empty(); ++i) {
    for (const auto& entry : fs::directory_iterator(tmp_a)) {
      if (entry.path().filename().string().rfind("minimr-run-", 0) == 0) {
        master_log = entry.path() / "master.log";
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(master_log.empty());
  ASSERT_TRUE(WaitForText(master_log, "job 1 started", seconds(60))) << ReadFile(master_log);

  Result b = Run(yaml, dir.path());
  EXPECT_EQ(b.status, 1) << b.output;
  // Refused before anything runs, by the client, not by the master once its input is ready.
  EXPECT_NE(b.output.find("minimr run: output " + out.string() +
                          " is being written by another job (pid "),
            std::string::npos)
      << b.output;
  EXPECT_EQ(b.output.find("gnuplot"), std::string::npos) << b.output;
  // The report step holds the lock too: `minimr report` is refused meanwhile.
  Result report = Shell(Minimr() + " report " + out.string());
  EXPECT_EQ(report.status, 1) << report.output;
  EXPECT_NE(report.output.find("is being written by another job"), std::string::npos)
      << report.output;

  ASSERT_TRUE(a.WaitFor(seconds(300)));
  EXPECT_EQ(a.Ending(), "exited with status 0") << ReadFile(dir.path() / "a.log");
  EXPECT_EQ(ReadCounts(out.string()), *expected_);
  EXPECT_TRUE(fs::exists(out / "pairs.png")) << "the winner's report is whole";
  EXPECT_TRUE(StagingLeftBeside(out).empty());
}

// A standing cluster's master removes the output a job replaced once the job's result is out
// (not before it), and before it exits: nothing of the old output stays beside the new one, and
// no `minimr run` client is there to sweep up after it.
TEST_F(OutputSafety, AStandingMasterRemovesTheOutputItReplaced) {
  TempDir dir("replaced");
  TestCluster cluster(dir.path() / "cluster");
  cluster.AddWorker("w1");
  ASSERT_TRUE(cluster.WaitForRegistrations(1, seconds(30)));
  fs::path out = dir.path() / "out";
  const std::string yaml = JobFile(dir.path(), out);
  Result first = cluster.Submit(yaml, {"output.overwrite=true"});
  ASSERT_EQ(first.status, 0) << first.output << cluster.MasterLog();
  const std::string first_id = ReadFile(out / ".minimr-output");
  Result second = cluster.Submit(yaml, {"output.overwrite=true"});
  ASSERT_EQ(second.status, 0) << second.output << cluster.MasterLog();
  EXPECT_NE(ReadFile(out / ".minimr-output"), first_id);
  EXPECT_EQ(ReadCounts(out.string()), *expected_);
  cluster.Stop();
  EXPECT_TRUE(StagingLeftBeside(out).empty()) << StagingLeftBeside(out).front();
}

class InterruptedSubmit : public OutputSafety, public ::testing::WithParamInterface<int> {};

TEST_P(InterruptedSubmit, CancelsTheJobAndItsOutputNeverAppears) {
  const int signal = GetParam();
  TempDir dir("interrupted-submit");
  TestCluster cluster(dir.path() / "cluster");
  fs::path out = dir.path() / "out";
  auto submit = SubmitASlowJob(cluster, dir.path());
  ASSERT_FALSE(HasFailure());
  submit->Signal(signal);
  ASSERT_TRUE(submit->WaitFor(seconds(60)));
  const std::string log = ReadFile(dir.path() / "cluster" / "submit-0.log");
  EXPECT_EQ(submit->Ending(), "exited with status " + std::to_string(128 + signal)) << log;
  EXPECT_NE(log.find("job 1 cancelled; " + out.string() + " was left as it was"), std::string::npos)
      << log;
  EXPECT_NE(cluster.MasterLog().find("job 1 cancelled by its client"), std::string::npos)
      << cluster.MasterLog();
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(StagingLeftBeside(out).empty());
  // The cluster goes on, and the output is free for the next job.
  Result next = cluster.Submit(JobFile(dir.path(), out));
  ASSERT_EQ(next.status, 0) << next.output << cluster.MasterLog();
  EXPECT_EQ(ReadCounts(out.string()), *expected_);
}

INSTANTIATE_TEST_SUITE_P(BySignal, InterruptedSubmit, ::testing::Values(SIGINT, SIGTERM),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string("SIG") + ::sigabbrev_np(info.param);
                         });

// Two Ctrl-Cs in a row: the client stops waiting, but only once it has asked the master to
// cancel, so that the job it gave up on does not go on to commit.
TEST_F(OutputSafety, ASecondInterruptRightAfterTheFirstStillCancelsTheJob) {
  TempDir dir("interrupted-twice");
  TestCluster cluster(dir.path() / "cluster");
  fs::path out = dir.path() / "out";
  auto submit = SubmitASlowJob(cluster, dir.path());
  ASSERT_FALSE(HasFailure());
  // Both seen before the client next looks: sent while it is stopped, two different signals
  // (two of one kind would be one), both taken as it goes on, in an order the kernel picks.
  ::kill(submit->pid(), SIGSTOP);
  ASSERT_TRUE(WaitUntilStopped(submit->pid(), seconds(30)));
  ::kill(submit->pid(), SIGHUP);
  ::kill(submit->pid(), SIGINT);
  ::kill(submit->pid(), SIGCONT);
  ASSERT_TRUE(submit->WaitFor(seconds(60)));
  const std::string log = ReadFile(dir.path() / "cluster" / "submit-0.log");
  // (128 + whichever of the two the client took last.)
  EXPECT_TRUE(submit->Ending() == "exited with status " + std::to_string(128 + SIGINT) ||
              submit->Ending() == "exited with status " + std::to_string(128 + SIGHUP))
      << submit->Ending() << "\n"
      << log;
  // It stops waiting; or, where the master's answer to the cancel came among the progress it
  // sent while the client was stopped (read before a finding stands), it says that.
  EXPECT_TRUE(log.find("interrupted again; not waiting for the master to cancel the job") !=
                  std::string::npos ||
              log.find("job 1 cancelled; " + out.string() + " was left as it was") !=
                  std::string::npos)
      << log;
  ASSERT_TRUE(WaitForText(dir.path() / "cluster" / "master.log", "job 1 cancelled by its client",
                          seconds(60)))
      << cluster.MasterLog();
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(StagingLeftBeside(out).empty());
}

TEST_F(OutputSafety, AMapTaskThatEndsAfterItsJobWasCancelledKeepsNoOutput) {
  TempDir dir("late-map");
  TestCluster cluster(dir.path() / "cluster");
  cluster.AddWorker("w1");
  ASSERT_TRUE(cluster.WaitForRegistrations(1, seconds(30)));
  // One map task of 3 million distinct words: it runs on for a while after the job is
  // cancelled, and its output is a file.
  auto submit = cluster.StartSubmit(WordCountFile(dir.path(), 3000000), {});
  ASSERT_TRUE(WaitForText(dir.path() / "cluster" / "master.log", "job 1 started", seconds(60)));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the task has its input
  submit->Signal(SIGINT);
  ASSERT_TRUE(submit->WaitFor(seconds(60)));
  // The worker runs one task at a time: once the next job is done, the late map has ended.
  Result next = cluster.Submit(JobFile(dir.path(), dir.path() / "next"));
  ASSERT_EQ(next.status, 0) << next.output << cluster.MasterLog();
  std::vector<fs::path> kept;
  for (const auto& entry : fs::recursive_directory_iterator(dir.path() / "cluster")) {
    // Its output, or the hidden temporary name it is written under (".job1-map....tmp-PID-N").
    if (entry.path().filename().string().find("job1-map") != std::string::npos) {
      kept.push_back(entry.path());
    }
  }
  EXPECT_TRUE(kept.empty()) << kept.front() << "\n"
                            << ReadFile(dir.path() / "cluster" / "worker-0.log");
}

TEST_F(OutputSafety, AnotherUsersWorkDirectoryIsRefused) {
  TempDir dir("work-dirs");
  TestCluster cluster(dir.path() / "cluster");
  fs::path theirs = dir.path() / "theirs";
  fs::path open = dir.path() / "open";
  fs::create_directories(theirs);
  fs::create_directories(open);
  ::chmod(open.c_str(), 0777);  // anyone may write, and it is not sticky
  const bool chowned = ::chown(theirs.c_str(), 65534, 65534) == 0;  // nobody's
  struct Case {
    fs::path dir;
    std::string message;
  };
  std::vector<Case> cases = {{open, "the work directory " + open.string() +
                                        " may be written by other users (mode 0777, not sticky"}};
  if (chowned) {
    cases.push_back(
        {theirs, "the work directory " + theirs.string() + " belongs to another user (uid 65534)"});
  }
  for (const Case& c : cases) {
    SCOPED_TRACE(c.dir);
    // (A hang guard: a worker that took the directory would serve until its master stops.)
    Result worker = Shell("timeout 60 " + Minimr() + " worker --connection-file " +
                          cluster.connection_file() + " --work-dir " + c.dir.string());
    EXPECT_EQ(worker.status, 1) << worker.output;
    EXPECT_NE(worker.output.find(c.message), std::string::npos) << worker.output;
    EXPECT_TRUE(fs::is_empty(c.dir)) << "no scratch directory was made there";
    // `minimr run` keeps its cluster's key in TMPDIR: the same rule.
    Result run = Shell("TMPDIR=" + c.dir.string() + " " + Minimr() + " run " +
                       JobFile(dir.path(), dir.path() / "out"));
    EXPECT_EQ(run.status, 1) << run.output;
    EXPECT_NE(run.output.find(c.dir.string() + " "), std::string::npos) << run.output;
    EXPECT_TRUE(fs::is_empty(c.dir));
  }
  if (!chowned) GTEST_SKIP() << "cannot chown (not root): only the world-writable case ran";
}

TEST_F(OutputSafety, MapOutputIsReadableByItsOwnerOnly) {
  TempDir dir("private-map-output");
  TestCluster cluster(dir.path() / "cluster");
  fs::path work = dir.path() / "work";
  fs::create_directories(work);
  // The worker stops itself (SIGSTOP) once it has reported a map task, holding its output: a
  // file.
  const std::string yaml = WordCountFile(dir.path(), 200000);
  minimr::ChildProcess worker({Minimr(), "worker", "--connection-file", cluster.connection_file(),
                               "--work-dir", work.string(), "--faults", "stall-after-maps=1"},
                              (dir.path() / "w.log").string());
  ASSERT_TRUE(cluster.WaitForRegistrations(1, seconds(30)));
  auto submit = cluster.StartSubmit(yaml, {});
  std::vector<fs::path> outputs;
  for (int i = 0; i < 3000 && outputs.empty(); ++i) {
    for (const auto& scratch : fs::directory_iterator(work)) {
      for (const auto& file : fs::directory_iterator(scratch.path())) {
        const std::string name = file.path().filename().string();
        if (name.find("-map") != std::string::npos && name.find(".tmp") == std::string::npos) {
          outputs.push_back(file.path());
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(outputs.empty()) << ReadFile(dir.path() / "w.log");
  for (const fs::path& path : outputs) {
    struct stat info;
    ASSERT_EQ(::stat(path.c_str(), &info), 0) << path;
    EXPECT_EQ(info.st_mode & 0777, 0600u) << path;
    ASSERT_EQ(::stat(path.parent_path().c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700u) << path.parent_path();
  }
  worker.Signal(SIGKILL);
  submit->Signal(SIGKILL);
}

TEST_F(OutputSafety, MinimrsHomeIsPrivateAndASecondMasterNeitherTakesNorRemovesTheFile) {
  TempDir dir("home");
  fs::path home = dir.path() / "home";
  fs::create_directories(home / ".minimr");
  ::chmod((home / ".minimr").c_str(), 0755);
  // Never the real home's: HOME here, and no MINIMR_HOME.
  const std::string env = "env -u MINIMR_HOME HOME=" + home.string();
  minimr::ChildProcess first(
      {"/usr/bin/env", "-u", "MINIMR_HOME", "HOME=" + home.string(), Minimr(), "master"},
      (dir.path() / "first.log").string());
  const fs::path file = home / ".minimr" / "connection.json";
  for (int i = 0; i < 1000 && !fs::exists(file); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(fs::exists(file)) << ReadFile(dir.path() / "first.log");
  struct stat info;
  ASSERT_EQ(::stat((home / ".minimr").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u) << "~/.minimr is made private";
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const std::string contents = ReadFile(file);

  Result second = Shell(env + " " + Minimr() + " master");
  EXPECT_EQ(second.status, 1) << second.output;
  EXPECT_NE(second.output.find(file.string() + " belongs to a master that is running (pid " +
                               std::to_string(first.pid()) + " on "),
            std::string::npos)
      << second.output;
  EXPECT_EQ(ReadFile(file), contents) << "the first master's file is neither replaced nor removed";
  first.Signal(SIGTERM);
  ASSERT_TRUE(first.WaitFor(seconds(20)));
  EXPECT_FALSE(fs::exists(file)) << "the first master removes its own file";
}

// Unmounts a tmpfs when it goes.
class TmpfsMount {
 public:
  TmpfsMount(const fs::path& dir, const std::string& size) : dir_(dir) {
    fs::create_directories(dir);
    mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
    error_ = errno;
  }
  ~TmpfsMount() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  std::string error() const { return std::strerror(error_); }
  // Fills the file system: writes until there is no space left.
  void Fill() {
    std::ofstream filler(dir_ / "filler", std::ios::binary);
    const std::string block(4096, 'x');
    while (filler.write(block.data(), block.size())) {
    }
  }

 private:
  fs::path dir_;
  bool mounted_ = false;
  int error_ = 0;
};

TEST_F(OutputSafety, AFullDiskIsNamedByTheJobAndByItsReport) {
  TempDir dir("full-disk");
  TmpfsMount disk(dir.path() / "disk", "512k");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (" << disk.error() << ")";

  // The job's output on a full disk: its reduce tasks cannot write, and say why.
  disk.Fill();
  fs::path out = dir.path() / "disk" / "out";
  Result job = Run(JobFile(dir.path(), out, "tasks: {max_attempts: 1}\n"), dir.path());
  EXPECT_EQ(job.status, 1) << job.output;
  EXPECT_NE(job.output.find("No space left on device"), std::string::npos) << job.output;
  EXPECT_FALSE(fs::exists(out));
  fs::remove(dir.path() / "disk" / "filler");

  // A finished output moved onto the disk, the disk then filled: the report says why it failed.
  fs::path done = dir.path() / "done";
  Result good = Run(JobFile(dir.path(), done), dir.path());
  ASSERT_EQ(good.status, 0) << good.output;
  for (const char* name : {"counts.csv", "summary.txt", "digits.png", "pairs.png"}) {
    fs::remove(done / name);
  }
  fs::copy(done, out, fs::copy_options::recursive);
  disk.Fill();
  Result report = Shell(Minimr() + " report " + out.string());
  EXPECT_EQ(report.status, 1) << report.output;
  EXPECT_NE(report.output.find("counts.csv: cannot write: No space left on device"),
            std::string::npos)
      << report.output;
}

}  // namespace
}  // namespace minimr::testing
