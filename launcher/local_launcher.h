// Workers as child processes on this machine.
#pragma once

#include <vector>

#include "launcher/launcher.h"
#include "launcher/process.h"

namespace minimr::launcher {

class LocalLauncher : public Launcher {
 public:
  void Start(const WorkerLaunch& launch) override;
  int Running() override;
  std::string Endings() override;
  void Stop(std::chrono::milliseconds grace) override;

 private:
  std::vector<ChildProcess> workers_;
  std::vector<std::string> logs_;
};

}  // namespace minimr::launcher
