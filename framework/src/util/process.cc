#include "framework/src/util/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "framework/src/util/signals_held.h"

extern char** environ;
// LeakSanitizer's check, in a build that has it: a fork ends with _exit, which skips the check
// that would run at exit.
extern "C" int __lsan_do_recoverable_leak_check() __attribute__((weak));

namespace minimr {

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& log_path,
                           const std::vector<std::string>& env) {
  Spawn(argv, log_path, env, /*detached=*/false);
}

ChildProcess ChildProcess::Detached(const std::vector<std::string>& argv,
                                    const std::string& log_path) {
  ChildProcess child;
  child.Spawn(argv, log_path, {}, /*detached=*/true);
  return child;
}

namespace {

// The number of threads of this process, 0 if it cannot be read.
long ThreadCount() {
  const std::vector<std::string> fields = ProcessStatFields(0);
  return fields.size() > 17 ? std::strtol(fields[17].c_str(), nullptr, 10) : 0;
}

// Whether this process runs a single thread. A thread just joined still counts in
// /proc/self/stat for a moment: a second look comes after 10 ms.
bool SingleThreaded() {
  if (ThreadCount() == 1) return true;
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return ThreadCount() == 1;
}

// `path` opened as a descriptor numbered 3 or above (never one of the standard three, whatever
// this process has closed), close-on-exec; throws naming `what`, the file's `role` and `path`.
int OpenAboveStandard(const char* path, int flags, const std::string& what, const char* role) {
  const int fd = ::open(path, flags | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw std::runtime_error("cannot start " + what + " (" + role + " " + path +
                             "): " + std::strerror(errno));
  }
  if (fd > STDERR_FILENO) return fd;
  const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  const int err = errno;
  ::close(fd);
  if (moved < 0) {
    throw std::runtime_error("cannot start " + what + ": " + std::strerror(err));
  }
  return moved;
}

// What a child's standard descriptors become: stdin /dev/null, stdout and stderr the log (or
// this process's own if there is none). Opened here, so that a log that cannot be opened is
// told before anything starts; closed with the object.
struct ChildStdio {
  int null = -1;
  int log = -1;
  ChildStdio(const std::string& log_path, const std::string& what) {
    null = OpenAboveStandard("/dev/null", O_RDONLY, what, "stdin");
    if (!log_path.empty()) {
      try {
        log = OpenAboveStandard(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, what, "log");
      } catch (...) {
        ::close(null);
        throw;
      }
    }
  }
  ~ChildStdio() {
    ::close(null);
    if (log >= 0) ::close(log);
  }
};

// In a child just forked or vforked, its signals still blocked (only system calls on its own
// stack until exec): its handlers back to default as exec would leave them (ignored signals stay
// ignored), its own process group (or session), its standard descriptors from `stdio`, then
// every signal let in.
void SetUpChild(pid_t parent, bool detached, const ChildStdio& stdio) {
  for (int signal = 1; signal < NSIG; ++signal) {
    struct sigaction action {};
    if (::sigaction(signal, nullptr, &action) == 0 && action.sa_handler != SIG_IGN &&
        action.sa_handler != SIG_DFL) {
      action.sa_handler = SIG_DFL;
      action.sa_flags = 0;
      ::sigaction(signal, &action, nullptr);
    }
  }
  // Its own process group: a Ctrl-C at the terminal reaches the parent only, which stops the
  // children in order rather than having them all die mid-write.
  if (detached) {
    ::setsid();
  } else {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);  // the parent is already gone
  }
  ::dup2(stdio.null, STDIN_FILENO);
  if (stdio.log >= 0) {
    ::dup2(stdio.log, STDOUT_FILENO);
    ::dup2(stdio.log, STDERR_FILENO);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

// In a fork that does not exec: closes every descriptor but the standard three, as exec would
// close this process's (which are all close-on-exec, or should be). Kernels before 5.9 have no
// close_range: then those listed in /proc/self/fd.
void CloseAllButStandard() {
  if (::close_range(STDERR_FILENO + 1, ~0U, 0) == 0) return;
  std::vector<int> open;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    const int own = ::dirfd(dir);
    while (const dirent* entry = ::readdir(dir)) {
      const int fd = std::atoi(entry->d_name);
      if (fd > STDERR_FILENO && fd != own) open.push_back(fd);
    }
    ::closedir(dir);
  }
  for (int fd : open) ::close(fd);
}

}  // namespace

void ChildProcess::Spawn(const std::vector<std::string>& argv, const std::string& log_path,
                         const std::vector<std::string>& env, bool detached) {
  detached_ = detached;
  // Everything the child needs is made before vfork(): after it, only async-signal-safe calls.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> environment;
  // `env` wins over this process's variables of the same name (getenv takes the first).
  auto overridden = [&env](const char* entry) {
    for (const auto& e : env) {
      const size_t name = e.find('=');
      if (name != std::string::npos && std::strncmp(entry, e.c_str(), name + 1) == 0) return true;
    }
    return false;
  };
  for (char** e = environ; *e; ++e) {
    if (!overridden(*e)) environment.push_back(*e);
  }
  for (const auto& e : env) environment.push_back(const_cast<char*>(e.c_str()));
  environment.push_back(nullptr);
  const ChildStdio stdio(log_path, argv.at(0));
  int report[2];  // the child writes errno here if exec fails; closes on exec
  if (::pipe2(report, O_CLOEXEC) != 0) {
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(errno));
  }
  pid_t parent = ::getpid();
  {
    SignalsHeld held;
    // vfork: the child borrows this process's memory until its exec, where fork would copy the
    // page tables and leave every page this process writes next to a copy-on-write fault (at
    // about 12 us each where a virtual machine makes faults dear; the pi study with its plotter
    // 3 ms sooner there). The child only makes system calls on its own stack frames and never
    // returns from here: it execs or _exits. Its signal handlers are its own copy.
    pid_ = ::vfork();
    if (pid_ == 0) {
      SetUpChild(parent, detached, stdio);
      ::execve(args[0], args.data(), environment.data());
      int err = errno;
      ssize_t ignored = ::write(report[1], &err, sizeof err);
      (void)ignored;
      ::_exit(127);
    }
  }
  ::close(report[1]);
  if (pid_ < 0) {
    const int err = errno;
    ::close(report[0]);
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(err));
  }
  // Waits for the exec, which closes the pipe; an errno in it instead says why it failed.
  int err = 0;
  ssize_t n;
  do {
    n = ::read(report[0], &err, sizeof err);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n == sizeof err) {
    ::waitpid(pid_, &status_, 0);
    pid_ = -1;
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(err));
  }
  WatchExit();
}

ChildProcess ChildProcess::Fork(const std::string& name, const std::function<int()>& body,
                                const std::string& log_path) {
  if (!SingleThreaded()) {
    throw std::logic_error("cannot fork " + name + ": this process runs more than one thread");
  }
  return ForkSingleThreaded(name, body, log_path);
}

ChildProcess ChildProcess::ForkSingleThreaded(const std::string& name,
                                              const std::function<int()>& body,
                                              const std::string& log_path) {
  const ChildStdio stdio(log_path, name);
  // Output still buffered here would be written twice: by this process and by the fork.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  ChildProcess child;
  pid_t parent = ::getpid();
  {
    SignalsHeld held;
    child.pid_ = ::fork();
    if (child.pid_ == 0) {
      SetUpChild(parent, /*detached=*/false, stdio);
      CloseAllButStandard();
      ::prctl(PR_SET_NAME, name.c_str());
      int status = 1;
      try {
        status = body();
      } catch (const std::exception& e) {
        std::cerr << name << ": " << e.what() << std::endl;
      } catch (...) {
        std::cerr << name << ": an unknown exception" << std::endl;
      }
      std::cout.flush();
      std::cerr.flush();
      std::fflush(nullptr);
      if (__lsan_do_recoverable_leak_check && __lsan_do_recoverable_leak_check() && status == 0) {
        status = 23;  // LeakSanitizer's own exit status for leaks
      }
      ::_exit(status);
    }
  }
  if (child.pid_ < 0) {
    throw std::runtime_error("cannot start " + name + ": " + std::strerror(errno));
  }
  child.WatchExit();
  return child;
}

ChildProcess ChildProcess::ForkOrExec(const std::string& name, const std::vector<std::string>& argv,
                                      const std::function<int()>& body,
                                      const std::string& log_path) {
  if (!SingleThreaded()) return ChildProcess(argv, log_path);
  return ForkSingleThreaded(name, body, log_path);
}

void ChildProcess::WatchExit() { exit_fd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)); }

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_),
      exit_fd_(other.exit_fd_),
      exited_(other.exited_),
      detached_(other.detached_),
      status_(other.status_) {
  other.pid_ = -1;
  other.exit_fd_ = -1;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !detached_ && Running()) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
  }
  if (exit_fd_ >= 0) ::close(exit_fd_);
}

bool ChildProcess::Running() {
  if (pid_ <= 0 || exited_) return false;
  pid_t r = ::waitpid(pid_, &status_, WNOHANG);
  if (r == pid_ || (r < 0 && errno == ECHILD)) exited_ = true;
  return !exited_;
}

bool ChildProcess::WaitFor(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (Running()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    if (exit_fd_ >= 0) {
      struct pollfd exited {exit_fd_, POLLIN, 0};
      ::poll(&exited, 1, static_cast<int>(std::min<int64_t>(left.count(), INT_MAX)));
    } else {
      std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(2)));
    }
  }
  return true;
}

void ChildProcess::Signal(int signal) {
  if (Running()) ::kill(pid_, signal);
}

std::string ChildProcess::Ending() const {
  if (!exited_) return "still running";
  if (WIFEXITED(status_)) return "exited with status " + std::to_string(WEXITSTATUS(status_));
  if (WIFSIGNALED(status_)) {
    int signal = WTERMSIG(status_);
    const char* name = ::sigdescr_np(signal);
    return "killed by signal " + std::to_string(signal) + (name ? std::string(" (") + name + ")" : "");
  }
  return "ended";
}

int ChildProcess::ExitCode() const {
  if (!exited_) return -1;
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  return WIFSIGNALED(status_) ? 128 + WTERMSIG(status_) : -1;
}

bool ChildProcess::ExitedCleanly() const {
  return exited_ && WIFEXITED(status_) && WEXITSTATUS(status_) == 0;
}

std::string FindInPath(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (size_t begin = 0; begin <= dirs.size();) {
    size_t colon = dirs.find(':', begin);
    std::string dir = dirs.substr(begin, colon == std::string::npos ? colon : colon - begin);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string::npos) break;
    begin = colon + 1;
  }
  return "";
}

CommandResult RunCommand(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  CommandResult result;
  std::string program = argv.empty() ? "" : FindInPath(argv[0]);
  if (program.empty()) {
    result.output = (argv.empty() ? std::string("(nothing)") : argv[0]) + ": command not found";
    return result;
  }
  char log[] = "/tmp/minimr-command-XXXXXX";
  int fd = ::mkstemp(log);
  if (fd < 0) {
    result.output = std::string("cannot make a temporary file: ") + std::strerror(errno);
    return result;
  }
  ::close(fd);
  std::vector<std::string> args = argv;
  args[0] = program;
  try {
    ChildProcess child(args, log);
    bool ended = child.WaitFor(timeout);
    if (!ended) {
      child.Signal(SIGKILL);
      child.WaitFor(std::chrono::seconds(5));
    }
    std::string ending = child.Ending();
    FILE* in = std::fopen(log, "r");
    if (in) {
      char buf[4096];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, in)) > 0) result.output.append(buf, n);
      std::fclose(in);
    }
    if (!ended) {
      result.output += "\n(" + argv[0] + " did not finish within " +
                       std::to_string(timeout.count() / 1000) + " s)";
    } else if (child.ExitedCleanly()) {
      result.status = 0;
    } else {
      result.status = child.ExitCode();
      if (result.status > 128) result.output += "\n(" + argv[0] + " " + ending + ")";
    }
  } catch (const std::exception& e) {
    result.output = e.what();
  }
  ::unlink(log);
  return result;
}

std::string SelfExecutable() {
  char path[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) throw std::runtime_error("cannot find this program's path in /proc/self/exe");
  return std::string(path, static_cast<size_t>(n));
}

std::vector<std::string> ProcessStatFields(pid_t pid) {
  std::ifstream stat(pid == 0 ? std::string("/proc/self/stat")
                              : "/proc/" + std::to_string(pid) + "/stat");
  // Copied through the stream, not a streambuf iterator: reading a process reaped after the file
  // was opened fails with ESRCH, which a streambuf iterator would throw.
  std::ostringstream bytes;
  bytes << stat.rdbuf();
  const std::string text = bytes.str();
  const size_t name_end = text.rfind(')');
  if (name_end == std::string::npos) return {};
  std::vector<std::string> fields;
  std::istringstream rest(text.substr(name_end + 1));
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}

}  // namespace minimr
