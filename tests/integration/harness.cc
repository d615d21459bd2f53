#include "tests/integration/harness.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace minimr::testing {

namespace fs = std::filesystem;

Result Shell(const std::string& command) {
  Result result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) result.output.append(buf.data(), n);
  int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string Minimr() { return MINIMR_BINARY; }

std::map<std::string, uint64_t> ReadCounts(const std::string& dir) {
  std::map<std::string, uint64_t> counts;
  for (const auto& [name, bytes] : ReadPartFiles(dir)) {
    std::istringstream in(bytes);
    std::string key;
    uint64_t count;
    while (in >> key >> count) counts[key] += count;
  }
  return counts;
}

std::map<std::string, std::string> ReadPartFiles(const std::string& dir) {
  std::map<std::string, std::string> parts;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("part-r-", 0) == 0) parts[name] = ReadFile(entry.path());
  }
  return parts;
}

std::vector<pid_t> ProcessesMentioning(const std::string& text) {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t pid = std::stoi(name);
    if (pid == ::getpid()) continue;
    std::string cmdline = ReadFile(entry.path() / "cmdline");
    std::string stat = ReadFile(entry.path() / "stat");
    // Zombies (state Z) have ended; their parent has not reaped them yet.
    size_t paren = stat.rfind(')');
    if (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z') continue;
    if (cmdline.find(text) != std::string::npos) pids.push_back(pid);
  }
  return pids;
}

std::string DescribeProcesses(const std::vector<pid_t>& pids) {
  std::string text;
  for (pid_t pid : pids) {
    std::string cmdline = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    std::string status = ReadFile("/proc/" + std::to_string(pid) + "/status");
    size_t state = status.find("State:");
    text += std::to_string(pid) + ": " + cmdline + " [" +
            (state == std::string::npos ? "?" : status.substr(state + 7, status.find('\n', state) - state - 7)) + "]\n";
  }
  return text;
}

std::vector<pid_t> WaitForNoProcessesMentioning(const std::string& text,
                                                std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::vector<pid_t> left = ProcessesMentioning(text);
    if (left.empty() || std::chrono::steady_clock::now() > deadline) return left;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool IsStopped(pid_t pid) {
  const std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'T';
}

bool WaitUntilStopped(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!IsStopped(pid)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

bool WaitForText(const fs::path& path, const std::string& text, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (ReadFile(path).find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

TestCluster::TestCluster(const fs::path& dir, const std::vector<std::string>& master_args)
    : dir_(dir) {
  fs::create_directories(dir_);
  std::vector<std::string> argv = {Minimr(), "master", "--connection-file", connection_file()};
  argv.insert(argv.end(), master_args.begin(), master_args.end());
  master_ = std::make_unique<minimr::ChildProcess>(argv, (dir_ / "master.log").string());
  for (int i = 0; i < 1000 && !fs::exists(connection_file()); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!fs::exists(connection_file())) {
    throw std::runtime_error("the master did not start:\n" + MasterLog());
  }
}

TestCluster::~TestCluster() { Stop(); }

size_t TestCluster::AddWorker(const std::string& name, const std::string& faults) {
  size_t index = workers_.size();
  std::string log = (dir_ / ("worker-" + std::to_string(index) + ".log")).string();
  workers_.push_back(std::make_unique<minimr::ChildProcess>(
      std::vector<std::string>{Minimr(), "worker", "--connection-file", connection_file(),
                               "--work-dir", dir_.string(), "--name", name},
      log, std::vector<std::string>{"MINIMR_FAULTS=" + faults}));
  return index;
}

bool TestCluster::WaitForRegistrations(int count, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::string log = MasterLog();
    int seen = 0;
    for (size_t at = log.find(" registered from "); at != std::string::npos;
         at = log.find(" registered from ", at + 1)) {
      ++seen;
    }
    if (seen >= count) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::unique_ptr<minimr::ChildProcess> TestCluster::StartSubmit(
    const std::string& yaml, const std::vector<std::string>& overrides) {
  std::vector<std::string> argv = {Minimr(), "submit", "--connection-file", connection_file(),
                                   yaml};
  for (const std::string& o : overrides) {
    argv.push_back("-D");
    argv.push_back(o);
  }
  std::string log = (dir_ / ("submit-" + std::to_string(submits_++) + ".log")).string();
  return std::make_unique<minimr::ChildProcess>(argv, log);
}

Result TestCluster::Submit(const std::string& yaml, const std::vector<std::string>& overrides) {
  // A hang guard, not a speed check: a job that cannot finish fails the test instead of CI.
  std::string command = "timeout 300 " + Minimr() + " submit --connection-file " + connection_file() + " " + yaml;
  for (const std::string& o : overrides) command += " -D '" + o + "'";
  return Shell(command);
}

std::string TestCluster::MasterLog() const { return ReadFile(dir_ / "master.log"); }

void TestCluster::Stop() {
  if (master_) {
    master_->Signal(SIGTERM);
    master_->WaitFor(std::chrono::seconds(20));
  }
  for (size_t i = 0; i < workers_.size(); ++i) {
    // A stopped (SIGSTOP) worker cannot hear its master go.
    if (!workers_[i]->WaitFor(std::chrono::seconds(20))) {
      std::fprintf(stderr, "worker %zu did not exit with its master; killing it. Its log:\n%s\n", i,
                   ReadFile(dir_ / ("worker-" + std::to_string(i) + ".log")).c_str());
      workers_[i]->Signal(SIGKILL);
    }
    workers_[i]->WaitFor(std::chrono::seconds(5));
  }
}

}  // namespace minimr::testing
