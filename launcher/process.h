// A child process of this one, its output sent to a log file. It gets SIGTERM when the thread
// that started it exits (PR_SET_PDEATHSIG), so that a parent killed with SIGKILL leaves no child
// behind: start children from the thread that lives as long as they should (the main thread).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace minimr::launcher {

class ChildProcess {
 public:
  // Starts argv[0] (a path) with `argv`, in a process group of its own, stdin from /dev/null;
  // stdout and stderr go to `log_path` (appended, mode 0600) or, if it is empty, to this
  // process's. `env` entries ("NAME=value") are added to this process's environment. Throws
  // std::runtime_error naming the program if it cannot be started.
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path,
               const std::vector<std::string>& env = {});
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
  // How it ended, for messages: "exited with status 1", "killed by signal 9 (Killed)".
  std::string Ending() const;
  // Whether it ended by exiting with status 0.
  bool ExitedCleanly() const;

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  int status_ = 0;
};

// The path of the running executable (so it can start more of itself).
std::string SelfExecutable();

}  // namespace minimr::launcher
