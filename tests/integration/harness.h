// What the integration tests share: running the real minimr binary, reading outputs, and a
// cluster of real master and worker processes on loopback that a test can hurt.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "framework/src/util/process.h"
#include "tests/common/read_file.h"
#include "tests/common/temp_dir.h"

namespace minimr::testing {

struct Result {
  int status;  // exit status, or 128 + signal
  std::string output;
};

// Runs a shell command line, stdout and stderr together.
Result Shell(const std::string& command);
std::string Minimr();
// The part files of a job's output, summed by key ("key<TAB>count" lines).
std::map<std::string, uint64_t> ReadCounts(const std::string& dir);
// The bytes of every part-r-* file, by name: for byte-identical comparisons.
std::map<std::string, std::string> ReadPartFiles(const std::string& dir);
// The processes (other than this one) whose command line mentions `text`.
std::vector<pid_t> ProcessesMentioning(const std::string& text);
// "pid: command line" of each process, for messages.
std::string DescribeProcesses(const std::vector<pid_t>& pids);
// Waits up to `timeout` for ProcessesMentioning(text) to be empty; returns what is left.
std::vector<pid_t> WaitForNoProcessesMentioning(const std::string& text,
                                                std::chrono::milliseconds timeout);
// Whether process `pid` is stopped (SIGSTOP: state T in /proc/PID/stat).
bool IsStopped(pid_t pid);
// Polls until process `pid` is stopped or `timeout` passes; returns whether it is.
bool WaitUntilStopped(pid_t pid, std::chrono::milliseconds timeout);
// Polls `path` until it contains `text` or `timeout` passes; returns whether it did.
bool WaitForText(const std::filesystem::path& path, const std::string& text,
                 std::chrono::milliseconds timeout);
// A master started by the test (`minimr master` with `master_args`) and workers it adds; every
// process mentions the cluster's directory on its command line, so that nothing it started can
// hide from ProcessesMentioning(dir()).
class TestCluster {
 public:
  TestCluster(const std::filesystem::path& dir, const std::vector<std::string>& master_args = {});
  ~TestCluster();

  // Starts a worker named `name` with MINIMR_FAULTS=`faults`; returns its index.
  size_t AddWorker(const std::string& name, const std::string& faults = "");
  // Waits until the master's log says `count` workers have registered in total.
  bool WaitForRegistrations(int count, std::chrono::milliseconds timeout);
  minimr::ChildProcess& worker(size_t i) { return *workers_[i]; }
  size_t workers() const { return workers_.size(); }
  // Starts `minimr submit` for the job file (with -D overrides) as a child process.
  std::unique_ptr<minimr::ChildProcess> StartSubmit(const std::string& yaml,
                                                      const std::vector<std::string>& overrides);
  Result Submit(const std::string& yaml, const std::vector<std::string>& overrides = {});
  std::string MasterLog() const;
  const std::filesystem::path& dir() const { return dir_; }
  std::string connection_file() const { return (dir_ / "connection.json").string(); }
  minimr::ChildProcess& master() { return *master_; }
  // SIGTERM to the master; waits for every process of the cluster to exit.
  void Stop();

 private:
  std::filesystem::path dir_;
  std::unique_ptr<minimr::ChildProcess> master_;
  std::vector<std::unique_ptr<minimr::ChildProcess>> workers_;
  int submits_ = 0;
};

}  // namespace minimr::testing
