// Real clusters on loopback: the minimr binary started as master, workers and clients.
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "framework/src/util/process.h"
#include "framework/src/wire/asio.h"
#include "framework/src/wire/blocking_client.h"
#include "framework/src/wire/connection_file.h"
#include "tests/common/raw_peer.h"
#include "tests/integration/harness.h"

namespace minimr {
namespace {

namespace fs = std::filesystem;

using testing::Minimr;
using testing::Result;
using testing::Shell;
using testing::TempDir;

std::map<std::string, uint64_t> ReadOutput(const std::string& dir) {
  return testing::ReadCounts(dir);
}

std::string ReadDigits(const std::vector<std::string>& paths) {
  std::string digits;
  for (const auto& path : paths) {
    std::ifstream in(path);
    for (char c; in.get(c);) {
      if (c >= '0' && c <= '9') digits += c;
    }
  }
  return digits;
}

// One million digits of pi in three files, made once for all the tests by the real command.
class PiCluster : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    temp_ = new TempDir("cluster");
    dir_ = new fs::path(temp_->path());
    Result r = Shell(Minimr() + " pi generate --digits 1000000 --files 3 --out " +
                   (*dir_ / "pi").string());
    ASSERT_EQ(r.status, 0) << r.output;
    std::vector<std::string> paths;
    for (const auto& e : fs::directory_iterator(*dir_ / "pi")) paths.push_back(e.path().string());
    std::sort(paths.begin(), paths.end());
    digits_ = new std::string(ReadDigits(paths));
    std::ofstream(*dir_ / "pi.yaml") << "job: pidigits\n"
                                        "params: {n: 2}\n"
                                        "input:\n"
                                        "  paths: " << (*dir_ / "pi").string() << "/pi*\n"
                                        "  split_size: file\n"
                                        "reduce: {tasks: 2}\n"
                                        "output: {dir: " << (*dir_ / "out").string() << "}\n"
                                        "cluster: {launcher: local, workers: 2}\n";
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete temp_;
    delete digits_;
  }

  Result RunJob(const std::string& overrides) {
    return Shell(Minimr() + " run " + (*dir_ / "pi.yaml").string() + " " + overrides);
  }

  static TempDir* temp_;
  static fs::path* dir_;
  static std::string* digits_;
};
TempDir* PiCluster::temp_;
fs::path* PiCluster::dir_;
std::string* PiCluster::digits_;

TEST_F(PiCluster, OneMillionDigitsGiveThePublishedCounts) {
  ASSERT_EQ(digits_->size(), 1000000u);
  std::string out = (*dir_ / "out-n1").string();
  Result r = RunJob("-D params.n=1 -D output.dir=" + out);
  ASSERT_EQ(r.status, 0) << r.output;
  std::map<std::string, uint64_t> expected = {
      {"0", 99959},  {"1", 99758}, {"2", 100026}, {"3", 100229}, {"4", 100230},
      {"5", 100359}, {"6", 99548}, {"7", 99800},  {"8", 99985},  {"9", 100106}};
  EXPECT_EQ(ReadOutput(out), expected);
  EXPECT_TRUE(fs::exists(out + "/_SUCCESS"));
  EXPECT_TRUE(fs::exists(out + "/job.json"));
  EXPECT_TRUE(fs::exists(out + "/digits.png"));
  EXPECT_NE(r.output.find("chi-square"), std::string::npos) << r.output;
}

TEST_F(PiCluster, NoReportLeavesTheReportForMinimrReportToDraw) {
  std::string out = (*dir_ / "out-no-report").string();
  Result r = RunJob("--no-report -D output.dir=" + out);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(fs::exists(out + "/_SUCCESS"));
  EXPECT_EQ(ReadOutput(out).size(), 100u);
  EXPECT_FALSE(fs::exists(out + "/summary.txt"));
  EXPECT_FALSE(fs::exists(out + "/pairs.png"));
  EXPECT_EQ(r.output.find("chi-square"), std::string::npos) << r.output;
  Result report = Shell(Minimr() + " report " + out);
  ASSERT_EQ(report.status, 0) << report.output;
  EXPECT_TRUE(fs::exists(out + "/summary.txt"));
  EXPECT_TRUE(fs::exists(out + "/pairs.png"));
}

TEST_F(PiCluster, PlotsAreDrawnAsTheJobFileSaysAndMinimrReportDrawsThemSoAgain) {
  std::string out = (*dir_ / "out-svg").string();
  Result r = RunJob("-D output.plots=svg -D output.dir=" + out);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(fs::exists(out + "/pairs.svg"));
  EXPECT_TRUE(fs::exists(out + "/digits.svg"));
  EXPECT_FALSE(fs::exists(out + "/pairs.png"));
  fs::remove(out + "/pairs.svg");
  Result again = Shell(Minimr() + " report " + out);  // svg, from job.json's configuration
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_TRUE(fs::exists(out + "/pairs.svg"));
  EXPECT_FALSE(fs::exists(out + "/pairs.png"));
  Result png = Shell(Minimr() + " report " + out + " --plots png");
  ASSERT_EQ(png.status, 0) << png.output;
  EXPECT_TRUE(fs::exists(out + "/pairs.png"));
  EXPECT_NE(png.output.find(out + "/pairs.png"), std::string::npos) << png.output;
  // The SVG plots, no longer those of the summary, are gone.
  EXPECT_FALSE(fs::exists(out + "/pairs.svg"));
  EXPECT_FALSE(fs::exists(out + "/digits.svg"));
  Result bad = Shell(Minimr() + " report " + out + " --plots pdf");
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_NE(bad.output.find("--plots takes png or svg, got 'pdf'"), std::string::npos)
      << bad.output;

  // A job.json whose configuration is not the job file's text: named, and --plots still works.
  const std::string json_path = out + "/job.json";
  auto record = nlohmann::json::parse(testing::ReadFile(json_path));
  record["configuration"] = 5;
  std::ofstream(json_path) << record.dump(2);
  Result odd = Shell(Minimr() + " report " + out);
  EXPECT_EQ(odd.status, 1) << odd.output;
  EXPECT_NE(odd.output.find(json_path + ": \"configuration\" is not the job file's text (number)"),
            std::string::npos)
      << odd.output;
  EXPECT_NE(odd.output.find("--plots png|svg"), std::string::npos) << odd.output;
  EXPECT_EQ(Shell(Minimr() + " report " + out + " --plots svg").status, 0);
  EXPECT_TRUE(fs::exists(out + "/pairs.svg"));
  EXPECT_FALSE(fs::exists(out + "/pairs.png"));
}

TEST_F(PiCluster, PairCountsAreExactForEverySplitSizeAndWorkerCount) {
  std::map<std::string, uint64_t> expected;
  for (size_t i = 0; i + 2 <= digits_->size(); ++i) expected[digits_->substr(i, 2)]++;
  for (const char* split : {"4KiB", "64KiB", "file"}) {
    for (int workers : {1, 2, 3}) {
      std::string out = (*dir_ / "out-pairs").string();
      Result r =
          RunJob("-D output.dir=" + out + " -D output.overwrite=true -D input.split_size=" + split +
                 " -D cluster.workers=" + std::to_string(workers));
      ASSERT_EQ(r.status, 0) << r.output;
      auto counts = ReadOutput(out);
      EXPECT_EQ(counts, expected) << "split " << split << ", " << workers << " workers";
      uint64_t total = 0;
      for (const auto& [key, count] : counts) total += count;
      EXPECT_EQ(total, 999999u);
      EXPECT_TRUE(fs::exists(out + "/pairs.png"));
    }
  }
}

TEST_F(PiCluster, ABadJobFileIsRefusedWithItsLineAndKey) {
  fs::path bad = *dir_ / "bad.yaml";
  std::ofstream(bad) << "job: pidigits\nreduce:\n  tasks: two\noutput: {dir: /tmp/x}\n"
                        "input: {paths: /nonexistent}\n";
  Result r = Shell(Minimr() + " run " + bad.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("bad.yaml:3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("reduce.tasks"), std::string::npos) << r.output;
}

TEST_F(PiCluster, AnUnknownParameterIsRefused) {
  Result r = RunJob("-D params.digitz=3");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("-D params.digitz=3: params.digitz"), std::string::npos) << r.output;
}

TEST_F(PiCluster, AnOutOfRangeParameterIsRefusedWithItsLine) {
  fs::path yaml = *dir_ / "n9.yaml";
  std::ofstream(yaml) << "job: pidigits\nparams:\n  n: 9\ninput: {paths: " << (*dir_ / "pi").string()
                      << "/pi*}\noutput: {dir: " << (*dir_ / "out-n9").string() << "}\n";
  Result r = Shell(Minimr() + " run " + yaml.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("n9.yaml:3:6: params.n: the sequence length must be 1 to 8"),
            std::string::npos)
      << r.output;
}

// A worker started before its master waits for the connection file (--connection-wait) and
// joins once the master writes it; without the wait it refuses at once.
TEST(StandaloneCluster, AWorkerStartedBeforeItsMasterWaitsForTheConnectionFile) {
  testing::TempDir dir("early-worker");
  std::string connection = (dir.path() / "connection.json").string();
  Result impatient = Shell(Minimr() + " worker --connection-file " + connection);
  EXPECT_NE(impatient.status, 0);
  EXPECT_NE(impatient.output.find(connection), std::string::npos) << impatient.output;

  minimr::ChildProcess worker({Minimr(), "worker", "--connection-file", connection,
                               "--connection-wait", "20", "--work-dir", dir.path().string()},
                              (dir.path() / "worker.log").string());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE(worker.Running()) << testing::ReadFile(dir.path() / "worker.log");
  minimr::ChildProcess master({Minimr(), "master", "--connection-file", connection},
                              (dir.path() / "master.log").string());
  EXPECT_TRUE(testing::WaitForText(dir.path() / "master.log", " registered from ",
                                   std::chrono::seconds(20)))
      << testing::ReadFile(dir.path() / "master.log")
      << testing::ReadFile(dir.path() / "worker.log");
  master.Signal(SIGTERM);
  EXPECT_TRUE(master.WaitFor(std::chrono::seconds(10)));
  EXPECT_TRUE(worker.WaitFor(std::chrono::seconds(10)));
}

// Ctrl-C while `minimr cluster start` waits for its workers: the cluster it started goes too,
// rather than running on with nothing said (its supervisor is detached, and would not hear it).
TEST(StandingCluster, AnInterruptedStartStopsWhatItStarted) {
  testing::TempDir dir("interrupted-start");
  const fs::path profile = dir.path() / "here.yaml";
  struct Cleanup {  // whatever fails: no cluster left
    std::string stop;
    ~Cleanup() { Shell(stop); }
  } cleanup{Minimr() + " cluster stop --profile " + profile.string()};
  std::ofstream(profile) << "launcher: local\nworkers: 2\nshared_dir: "
                         << (dir.path() / "shared").string() << "\n";
  minimr::ChildProcess start({Minimr(), "cluster", "start", "--profile", profile.string()},
                             (dir.path() / "start.log").string());
  // The supervisor's log appears as it is started; the command first looks 100 ms later.
  for (int i = 0; i < 30000 && !fs::exists(dir.path() / "shared" / "cluster.log"); ++i) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  ASSERT_TRUE(fs::exists(dir.path() / "shared" / "cluster.log"));
  start.Signal(SIGINT);
  ASSERT_TRUE(start.WaitFor(std::chrono::seconds(150)));
  const std::string log = testing::ReadFile(dir.path() / "start.log");
  EXPECT_EQ(start.Ending(), "exited with status " + std::to_string(128 + SIGINT)) << log;
  EXPECT_NE(log.find("interrupted by SIGINT; stopping the cluster it had started"),
            std::string::npos)
      << log;
  auto left = testing::WaitForNoProcessesMentioning(dir.path().string(), std::chrono::seconds(30));
  EXPECT_TRUE(left.empty()) << "left running:\n" << testing::DescribeProcesses(left);
}

// `minimr cluster stop` returns once the supervisor has exited, whether or not its parent has
// reaped it yet: here this test process adopts the detached supervisor (a subreaper) and reaps
// nothing until the stop has returned. (This machine's init took up to a second to reap it.)
TEST(StandingCluster, StopReturnsOnceTheSupervisorHasExitedThoughNotYetReaped) {
  testing::TempDir dir("standing-cluster");
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  struct Cleanup {  // whatever fails: no cluster left, and this process a subreaper no more
    std::string stop;
    ~Cleanup() {
      Shell(stop);
      ::prctl(PR_SET_CHILD_SUBREAPER, 0);
    }
  } cleanup{Minimr() + " cluster stop --profile " + (dir.path() / "here.yaml").string()};
  const fs::path profile = dir.path() / "here.yaml";
  std::ofstream(profile) << "launcher: local\nworkers: 1\nshared_dir: "
                         << (dir.path() / "shared").string() << "\n";
  Result start = Shell(Minimr() + " cluster start --profile " + profile.string());
  ASSERT_EQ(start.status, 0) << start.output;
  EXPECT_NE(start.output.find("1 worker"), std::string::npos) << start.output;
  const pid_t supervisor =
      nlohmann::json::parse(testing::ReadFile(dir.path() / "shared" / "cluster.json")).at("pid");

  Result stop = Shell(Minimr() + " cluster stop --profile " + profile.string());
  EXPECT_EQ(stop.status, 0) << stop.output;
  EXPECT_NE(stop.output.find("stopped"), std::string::npos) << stop.output;
  // Stopped means exited: it waits here, unreaped, for this process.
  siginfo_t exited{};
  EXPECT_EQ(::waitid(P_PID, supervisor, &exited, WEXITED | WNOHANG | WNOWAIT), 0);
  EXPECT_EQ(exited.si_pid, supervisor) << "cluster stop returned before its supervisor exited";
  while (::waitpid(-1, nullptr, WNOHANG) > 0) {
  }
  auto left = testing::WaitForNoProcessesMentioning(dir.path().string(), std::chrono::seconds(30));
  EXPECT_TRUE(left.empty()) << testing::DescribeProcesses(left);
}

// A master and a worker started by hand, a job sent with `minimr submit`.
TEST(StandaloneCluster, MasterRefusesStrangersAndServesItsOwn) {
  TempDir temp("standalone");
  const fs::path& dir = temp.path();
  std::string connection = (dir / "connection.json").string();
  minimr::ChildProcess master({Minimr(), "master", "--connection-file", connection},
                                (dir / "master.log").string());
  for (int i = 0; i < 500 && !fs::exists(connection); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(fs::exists(connection));
  EXPECT_EQ(fs::status(connection).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  wire::ConnectionInfo info = wire::ReadConnectionFile(connection);

  // The wrong key, refused by the master itself: it must hang up instead of proving its key.
  {
    testing::RawPeer peer(info.host, info.port);
    EXPECT_FALSE(peer.Handshake(wire::NewKey()))
        << "the master answered a client with the wrong key";
  }
  EXPECT_THROW(wire::BlockingClient(info.host, info.port, wire::NewKey()), std::runtime_error);
  // Garbage instead of a handshake.
  Result garbage = Shell("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 5 bash -c 'cat > /dev/tcp/" +
                         info.host + "/" + std::to_string(info.port) + "'");
  (void)garbage;

  minimr::ChildProcess worker({Minimr(), "worker", "--connection-file", connection,
                                 "--master", info.host + ":" + std::to_string(info.port)},
                                (dir / "worker.log").string());
  std::ofstream(dir / "words.txt") << "the cat and the hat\nThe end\n";
  std::ofstream(dir / "wc.yaml") << "job: wordcount\ninput: {paths: " << (dir / "words.txt").string()
                                  << "}\noutput: {dir: " << (dir / "wc").string() << "}\n";
  Result r = Shell(Minimr() + " submit --connection-file " + connection + " " +
                 (dir / "wc.yaml").string());
  ASSERT_EQ(r.status, 0) << r.output;
  std::map<std::string, uint64_t> expected = {{"and", 1}, {"cat", 1}, {"end", 1}, {"hat", 1},
                                              {"the", 3}};
  EXPECT_EQ(ReadOutput((dir / "wc").string()), expected);

  master.Signal(SIGTERM);
  EXPECT_TRUE(master.WaitFor(std::chrono::seconds(10)));
  EXPECT_TRUE(worker.WaitFor(std::chrono::seconds(10))) << "the worker must exit with its master";
  std::ifstream log(dir / "master.log");
  std::stringstream text;
  text << log.rdbuf();
  EXPECT_NE(text.str().find("refused a connection"), std::string::npos) << text.str();
}

// A master whose terminal closes (SIGHUP) stops as for Ctrl-C: its connection file, which holds
// the cluster's key, goes with it.
TEST(StandaloneCluster, AMasterStopsOnHangUpAndTakesItsConnectionFile) {
  TempDir temp("hangup-master");
  const std::string connection = (temp.path() / "connection.json").string();
  minimr::ChildProcess master({Minimr(), "master", "--connection-file", connection},
                              (temp.path() / "master.log").string());
  for (int i = 0; i < 3000 && !fs::exists(connection); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(fs::exists(connection));
  master.Signal(SIGHUP);
  ASSERT_TRUE(master.WaitFor(std::chrono::seconds(30)));
  EXPECT_EQ(master.Ending(), "exited with status 0")
      << testing::ReadFile(temp.path() / "master.log");
  EXPECT_FALSE(fs::exists(connection)) << "the key was left behind";
}

// `minimr master --stop-after-job` (the master `minimr run` starts) runs one job: it refuses a
// second while the first waits for a worker, and once the first has ended it exits by itself and
// sends its worker away. Without the option it would go on serving until a signal, and the
// waits below would fail.
TEST(StandaloneCluster, AMasterForOneJobStopsWithItsWorkersOnceTheJobHasEnded) {
  TempDir temp("one-job-master");
  const fs::path& dir = temp.path();
  std::string connection = (dir / "connection.json").string();
  minimr::ChildProcess master(
      {Minimr(), "master", "--stop-after-job", "--connection-file", connection},
      (dir / "master.log").string());
  std::ofstream(dir / "words.txt") << "the cat and the hat\n";
  for (const char* name : {"first", "second"}) {
    std::ofstream(dir / (std::string(name) + ".yaml"))
        << "job: wordcount\ninput: {paths: " << (dir / "words.txt").string()
        << "}\noutput: {dir: " << (dir / name).string() << "}\n";
  }
  ASSERT_TRUE(testing::WaitForText(dir / "master.log", "listening on", std::chrono::seconds(20)))
      << testing::ReadFile(dir / "master.log");
  // The first job waits for a worker; the second is refused meanwhile.
  minimr::ChildProcess first(
      {Minimr(), "submit", "--connection-file", connection, (dir / "first.yaml").string()},
      (dir / "first.log").string());
  ASSERT_TRUE(testing::WaitForText(dir / "master.log", "job 1 (wordcount) submitted",
                                   std::chrono::seconds(20)))
      << testing::ReadFile(dir / "master.log") << testing::ReadFile(dir / "first.log");
  Result second = Shell(Minimr() + " submit --connection-file " + connection + " " +
                        (dir / "second.yaml").string());
  EXPECT_NE(second.status, 0) << second.output;
  EXPECT_NE(second.output.find("this master runs one job (--stop-after-job) and has one"),
            std::string::npos)
      << second.output;

  minimr::ChildProcess worker(
      {Minimr(), "worker", "--connection-file", connection, "--work-dir", dir.string()},
      (dir / "worker.log").string());
  ASSERT_TRUE(first.WaitFor(std::chrono::seconds(30))) << testing::ReadFile(dir / "master.log");
  ASSERT_TRUE(first.ExitedCleanly())
      << testing::ReadFile(dir / "first.log") << testing::ReadFile(dir / "master.log");
  std::map<std::string, uint64_t> expected = {{"and", 1}, {"cat", 1}, {"hat", 1}, {"the", 2}};
  EXPECT_EQ(ReadOutput((dir / "first").string()), expected);
  EXPECT_FALSE(fs::exists(dir / "second"));

  ASSERT_TRUE(master.WaitFor(std::chrono::seconds(20))) << "the master went on after its job:\n"
                                                        << testing::ReadFile(dir / "master.log");
  EXPECT_TRUE(master.ExitedCleanly()) << master.Ending();
  EXPECT_TRUE(worker.WaitFor(std::chrono::seconds(20))) << testing::ReadFile(dir / "worker.log");
  EXPECT_TRUE(worker.ExitedCleanly()) << worker.Ending() << testing::ReadFile(dir / "worker.log");
  EXPECT_FALSE(fs::exists(connection)) << "the master leaves its connection file behind";
}

}  // namespace
}  // namespace minimr
