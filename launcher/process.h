// A child process of this one: started with posix_spawn, its output sent to a log file.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace minimr::launcher {

class ChildProcess {
 public:
  // Starts argv[0] (a path) with `argv`; stdout and stderr go to `log_path` (appended) or, if it
  // is empty, to this process's. Throws std::runtime_error naming the program.
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  // Kills and reaps the process if it still runs.
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // Whether the process still runs (reaps it if it has exited).
  bool Running();
  // Waits up to `timeout` for the process to exit; true if it has.
  bool WaitFor(std::chrono::milliseconds timeout);
  void Signal(int signal);
  // How it ended, for messages: "exited with status 1", "killed by signal 9".
  std::string Ending() const;

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  int status_ = 0;
};

// The path of the running executable (so it can start more of itself).
std::string SelfExecutable();

}  // namespace minimr::launcher
