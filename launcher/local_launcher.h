// Workers as child processes on this machine.
#pragma once

#include <vector>

#include "launcher/launcher.h"
#include "framework/src/util/process.h"

namespace minimr::launcher {

class LocalLauncher : public Launcher {
 public:
  void Start(const WorkerLaunch& launch) override;
  int Running() override;
  std::string Endings() override;
  std::vector<std::string> ReplaceDead() override;
  void Stop(StopReason why) override;
  std::string Describe() override;

 private:
  struct Worker {
    ChildProcess process;
    std::string name, log;
    bool replaced = false;
    std::chrono::steady_clock::time_point stopped_since{};  // while stopped (state T)
    // "NAME exited with status 1 (log: PATH): its last line", for the user.
    std::string Ended();
  };
  void StartOne();

  WorkerLaunch launch_;
  std::vector<Worker> workers_;
  int replacements_ = 0;
};

}  // namespace minimr::launcher
