#include "launcher/local_launcher.h"

#include <signal.h>

namespace minimr::launcher {

void LocalLauncher::Start(const WorkerLaunch& launch) {
  launch_ = launch;
  for (int i = 0; i < launch.workers; ++i) StartOne();
}

void LocalLauncher::StartOne() {
  std::string number = std::to_string(workers_.size() + 1);
  std::string name = "local worker " + number;
  std::string log = launch_.log_dir + "/worker-" + number + ".log";
  std::vector<std::string> argv = {launch_.minimr,  "worker", "--connection-file",
                                   launch_.connection_file, "--name", name};
  if (!launch_.work_dir.empty()) {
    argv.push_back("--work-dir");
    argv.push_back(launch_.work_dir);
  }
  workers_.push_back({ChildProcess(argv, log), name, log});
}

int LocalLauncher::Running() {
  int running = 0;
  for (auto& worker : workers_) running += worker.process.Running() ? 1 : 0;
  return running;
}

std::string LocalLauncher::Endings() {
  std::string text;
  for (auto& worker : workers_) {
    if (worker.process.Running()) continue;
    text += worker.name + " " + worker.process.Ending() + " (log: " + worker.log + ")\n";
  }
  return text;
}

std::vector<std::string> LocalLauncher::ReplaceDead() {
  std::vector<std::string> lines;
  for (size_t i = 0; i < workers_.size(); ++i) {
    if (workers_[i].replaced || workers_[i].process.Running() ||
        workers_[i].process.ExitedCleanly()) {
      continue;
    }
    if (replacements_ >= launch_.max_replacements) break;
    ++replacements_;
    workers_[i].replaced = true;
    std::string line = workers_[i].name + " " + workers_[i].process.Ending() + " (log: " +
                       workers_[i].log + "); ";
    StartOne();
    lines.push_back(line + "started " + workers_.back().name + " in its place");
  }
  return lines;
}

void LocalLauncher::Stop(std::chrono::milliseconds grace) {
  auto deadline = std::chrono::steady_clock::now() + grace;
  for (auto& worker : workers_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!worker.process.WaitFor(std::max(left, std::chrono::milliseconds(0)))) {
      worker.process.Signal(SIGTERM);
    }
  }
  for (auto& worker : workers_) {
    if (!worker.process.WaitFor(std::chrono::seconds(2))) worker.process.Signal(SIGKILL);
    worker.process.WaitFor(std::chrono::seconds(2));
  }
}

}  // namespace minimr::launcher
