#include "launcher/local_launcher.h"

#include <signal.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <string>

namespace minimr::launcher {

void LocalLauncher::Start(const WorkerLaunch& launch) {
  launch_ = launch;
  for (int i = 0; i < launch.workers; ++i) StartOne();
}

void LocalLauncher::StartOne() {
  std::string number = std::to_string(workers_.size() + 1);
  std::string name = "local worker " + number;
  std::string log = launch_.log_dir + "/worker-" + number + ".log";
  WorkerSettings settings;
  settings.connection_file = launch_.connection_file;
  settings.connection_wait = launch_.connection_wait;
  settings.work_dir = launch_.work_dir;
  settings.name = name;
  const std::vector<std::string> argv = WorkerArguments(launch_.minimr, settings);
  workers_.push_back({launch_.worker_main ? ChildProcess::ForkOrExec(
                                                "minimr-worker", argv,
                                                [&] { return launch_.worker_main(settings); }, log)
                                          : ChildProcess(argv, log),
                      name, log});
}

int LocalLauncher::Running() {
  int running = 0;
  for (auto& worker : workers_) running += worker.process.Running() ? 1 : 0;
  return running;
}

namespace {

// The last line of a worker's log: what it said as it went (its error, mostly). Only the end of
// the log is read: a worker that ran long may have written much.
std::string LastLineOf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(std::max<std::streamoff>(0, size - 4096));
  std::string last;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) last = line;
  }
  return last;
}

}  // namespace

std::string LocalLauncher::Worker::Ended() {
  const std::string said = LastLineOf(log);
  return name + " " + process.Ending() + " (log: " + log + ")" + (said.empty() ? "" : ": " + said);
}

std::string LocalLauncher::Endings() {
  std::string text;
  for (auto& worker : workers_) {
    if (!worker.process.Running()) text += worker.Ended() + "\n";
  }
  return text;
}

namespace {

// Whether the process is stopped (SIGSTOP, or a debugger).
bool Stopped(pid_t pid) {
  const std::vector<std::string> fields = ProcessStatFields(pid);
  return !fields.empty() && (fields[0] == "T" || fields[0] == "t");
}

}  // namespace

std::vector<std::string> LocalLauncher::ReplaceDead() {
  std::vector<std::string> lines;
  // A frozen worker is dead to the master after its timeout; end it, so it can be replaced.
  auto now = std::chrono::steady_clock::now();
  for (auto& worker : workers_) {
    if (!worker.process.Running() || !Stopped(worker.process.pid())) {
      worker.stopped_since = {};
      continue;
    }
    if (worker.stopped_since == std::chrono::steady_clock::time_point{}) worker.stopped_since = now;
    if (now - worker.stopped_since > launch_.stall_timeout) {
      lines.push_back(worker.name + " has been stopped for " +
                      std::to_string(launch_.stall_timeout.count() / 1000) + " s; killing it");
      worker.process.Signal(SIGKILL);
      worker.process.WaitFor(std::chrono::seconds(5));
    }
  }
  for (size_t i = 0; i < workers_.size(); ++i) {
    if (workers_[i].replaced || workers_[i].process.Running() ||
        workers_[i].process.ExitedCleanly()) {
      continue;
    }
    if (replacements_ >= launch_.max_replacements) break;
    ++replacements_;
    workers_[i].replaced = true;
    const std::string ended = workers_[i].Ended();
    try {
      StartOne();
    } catch (const std::exception& e) {
      std::string told;  // what this call did before, which the throw would lose
      for (const std::string& line : lines) told += line + "\n";
      throw std::runtime_error(told + ended +
                               "; another could not be started in its place: " + e.what());
    }
    lines.push_back(ended + "; started " + workers_.back().name + " in its place");
  }
  return lines;
}

void LocalLauncher::Stop(StopReason why) {
  // After an interrupt, local workers are told at once: a SIGTERM ends them in good order.
  auto deadline = std::chrono::steady_clock::now() +
                  (why == StopReason::kInterrupted ? std::chrono::seconds(0) : kStopGrace);
  for (auto& worker : workers_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!worker.process.WaitFor(std::max(left, std::chrono::milliseconds(0)))) {
      worker.process.Signal(SIGTERM);
      worker.process.Signal(SIGCONT);  // a stopped worker must run to hear it
    }
  }
  for (auto& worker : workers_) {
    if (!worker.process.WaitFor(std::chrono::seconds(2))) worker.process.Signal(SIGKILL);
    worker.process.WaitFor(std::chrono::seconds(2));
  }
}

}  // namespace minimr::launcher

namespace minimr::launcher {

std::string LocalLauncher::Describe() {
  return std::to_string(launch_.workers) + " local worker processes, logs in " + launch_.log_dir;
}

}  // namespace minimr::launcher
