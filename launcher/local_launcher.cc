#include "launcher/local_launcher.h"

#include <signal.h>

namespace minimr::launcher {

void LocalLauncher::Start(const WorkerLaunch& launch) {
  for (int i = 1; i <= launch.workers; ++i) {
    std::string log = launch.log_dir + "/worker-" + std::to_string(i) + ".log";
    workers_.emplace_back(std::vector<std::string>{launch.minimr, "worker", "--connection-file",
                                                   launch.connection_file, "--name",
                                                   "local worker " + std::to_string(i)},
                          log);
    logs_.push_back(log);
  }
}

int LocalLauncher::Running() {
  int running = 0;
  for (auto& worker : workers_) running += worker.Running() ? 1 : 0;
  return running;
}

std::string LocalLauncher::Endings() {
  std::string text;
  for (size_t i = 0; i < workers_.size(); ++i) {
    if (workers_[i].Running()) continue;
    text += "local worker " + std::to_string(i + 1) + " " + workers_[i].Ending() + " (log: " +
            logs_[i] + ")\n";
  }
  return text;
}

void LocalLauncher::Stop(std::chrono::milliseconds grace) {
  auto deadline = std::chrono::steady_clock::now() + grace;
  for (auto& worker : workers_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!worker.WaitFor(std::max(left, std::chrono::milliseconds(0)))) worker.Signal(SIGTERM);
  }
  for (auto& worker : workers_) {
    if (!worker.WaitFor(std::chrono::seconds(2))) worker.Signal(SIGKILL);
    worker.WaitFor(std::chrono::seconds(2));
  }
}

}  // namespace minimr::launcher
