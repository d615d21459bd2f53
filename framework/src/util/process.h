// A child process of this one, its output sent to a log file. It gets SIGTERM when the thread
// that started it exits (PR_SET_PDEATHSIG), so that a parent killed with SIGKILL leaves no child
// behind: start children from the thread that lives as long as they should (the main thread).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace minimr {

class ChildProcess {
 public:
  // Starts argv[0] (a path) with `argv`, in a process group of its own, stdin from /dev/null;
  // stdout and stderr go to `log_path` (appended, mode 0600) or, if it is empty, to this
  // process's. `env` entries ("NAME=value") are added to this process's environment, replacing
  // its own. Throws std::runtime_error naming the program if it cannot be started.
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path,
               const std::vector<std::string>& env = {});
  // A process that outlives this one (a cluster's supervisor): a session of its own, no
  // PR_SET_PDEATHSIG, and not killed when the object goes.
  static ChildProcess Detached(const std::vector<std::string>& argv, const std::string& log_path);
  // A fork of this process that runs `body` and exits with what it returns, instead of
  // starting a program: it has this process's code loaded already, so it is ready in well
  // under a millisecond, where exec and loading minimr's libraries take several. Set up as
  // above, and as exec would leave it: signal handlers back to their defaults, descriptors
  // other than 0, 1 and 2 closed. `name` is its name in top and `ps -o comm` (PR_SET_NAME, 15
  // bytes at most); its command line stays this process's. It ends with _exit, so this
  // process's atexit handlers and static destructors do not run twice (a body that calls
  // exit() runs them: objects with such destructors check whose they are). An exception out of
  // `body` is written to its log, and the exit status is 1.
  // Only from a process with a single thread (the locks of other threads would stay held in
  // the fork): throws std::logic_error otherwise, and std::runtime_error if fork fails.
  static ChildProcess Fork(const std::string& name, const std::function<int()>& body,
                           const std::string& log_path);
  // A program that is this one (argv[0] this executable, argv[1...] a command of it, as for the
  // constructor), or `body`, which does what that command would: a Fork that runs `body` while
  // this process runs a single thread, and otherwise (a plugin that started threads, say) the
  // program itself, started as the constructor does.
  static ChildProcess ForkOrExec(const std::string& name, const std::vector<std::string>& argv,
                                 const std::function<int()>& body, const std::string& log_path);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  // Kills and reaps the process if it still runs.
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // A descriptor that becomes readable when the process exits (to poll beside others), or -1
  // where the kernel has none.
  int exit_fd() const { return exit_fd_; }
  // Whether the process still runs (reaps it if it has exited).
  bool Running();
  // Waits up to `timeout` for the process to exit; true if it has.
  bool WaitFor(std::chrono::milliseconds timeout);
  void Signal(int signal);
  // For a fork's copy of this object, whose process is not the fork's child: neither kills nor
  // waits for it when it goes, and leaves its descriptor alone (the fork closed it already, and
  // its number may be another file's by now).
  void Forget() {
    pid_ = -1;
    exit_fd_ = -1;
  }
  // How it ended, for messages: "exited with status 1", "killed by signal 9 (Killed)".
  std::string Ending() const;
  // Its exit status, 128 + the signal that killed it, or -1 while it runs.
  int ExitCode() const;
  // Whether it ended by exiting with status 0.
  bool ExitedCleanly() const;

 private:
  ChildProcess() = default;
  void Spawn(const std::vector<std::string>& argv, const std::string& log_path,
             const std::vector<std::string>& env, bool detached);
  // Fork, once its caller has seen that this process runs a single thread.
  static ChildProcess ForkSingleThreaded(const std::string& name, const std::function<int()>& body,
                                         const std::string& log_path);
  // After fork or vfork, in the parent: a descriptor that becomes readable when the child exits, so
  // that WaitFor wakes the moment it does.
  void WatchExit();

  pid_t pid_ = -1;
  int exit_fd_ = -1;  // pidfd_open(pid_), or -1 where the kernel has none (WaitFor then polls)
  bool exited_ = false;
  bool detached_ = false;
  int status_ = 0;
};

// A command run to its end, its stdout and stderr together.
struct CommandResult {
  int status = -1;  // exit status, or 128 + signal; -1 if it could not start or timed out
  std::string output;
};
// Runs argv (argv[0] a path, or a name looked up in PATH) with stdin from /dev/null, waiting up
// to `timeout`; kills it after that. Never throws: a command that cannot start gives status -1
// and says why in `output`.
CommandResult RunCommand(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);
// The full path of `name` found in PATH, or "" if it is not there.
std::string FindInPath(const std::string& name);

// The path of the running executable (so it can start more of itself).
std::string SelfExecutable();

// The fields of /proc/PID/stat that follow the process's name (which may hold spaces and
// parentheses): [0] its state (R, S, D, T or t when stopped, Z when it has exited and its parent
// has not reaped it yet, ...), [1] its parent's pid, ..., [17] its number of threads. Empty if
// there is no such process. pid 0: this process (/proc/self, which is this process even where
// /proc belongs to another pid namespace).
std::vector<std::string> ProcessStatFields(pid_t pid);

}  // namespace minimr
