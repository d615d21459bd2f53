#include "framework/src/api/plotters.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace minimr::report {
namespace {

namespace fs = std::filesystem;

// How long a plotter may take to reach its `load` (start-up and the throw-away plot) once it is
// needed, before its plot is drawn by a gnuplot of its own instead.
constexpr auto kReadyPatience = std::chrono::seconds(10);

// A gnuplot single-quoted string: nothing inside is interpreted; a quote is doubled.
std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("''") : std::string(1, c);
  return q + "'";
}

struct Plotter {
  std::string terminal;  // of its throw-away plot: what it has loaded
  std::string fifo;      // it reads the commands of a plot here
  std::string drawn;     // ... and writes a line here once the plot is drawn
  std::string log;
  ChildProcess process;
  bool busy = false;  // drawing a plot for one of this process's threads
};

// The plotters, in a private directory (their FIFOs, scripts and logs) removed at exit with
// them.
class Pool {
 public:
  ~Pool() {
    // Only in the process that started them: a fork of it (a local worker) that calls exit()
    // runs this destructor too, on its copy of the pool.
    if (::getpid() != owner_) {
      for (auto& plotter : plotters_) plotter->process.Forget();
      return;
    }
    // A plotter still drawing (exit() called while another thread plots) is left to that thread:
    // freeing it under the thread would be worse than leaving it to PR_SET_PDEATHSIG.
    for (auto& plotter : plotters_) {
      if (plotter->busy) (void)plotter.release();
    }
    std::erase(plotters_, nullptr);
    Stop(plotters_);
    std::error_code ignored;
    if (!dir_.empty()) fs::remove_all(dir_, ignored);
  }

  void Start(int count, const std::string& terminal) {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::string gnuplot = FindInPath("gnuplot");
    if (gnuplot.empty() || !MakeDir()) return;
    DropDeadLocked();
    const auto ready = std::count_if(plotters_.begin(), plotters_.end(),
                                     [&](const auto& p) { return p->terminal == terminal; });
    for (int i = static_cast<int>(ready); i < count; ++i) {
      const std::string base = dir_ + "/plotter-" + std::to_string(started_++);
      const std::string fifo = base + ".fifo";
      const std::string drawn = base + ".drawn";
      const std::string warm = base + ".gp";
      if (::mkfifo(fifo.c_str(), 0600) != 0 || ::mkfifo(drawn.c_str(), 0600) != 0) return;
      // A plot is sent on the FIFO as `load '<its script>'` and `reset session` (which forgets
      // its settings, variables and functions; gnuplot 5.4 misreads it inside a block). The line
      // on `drawn` comes once that load has returned: the FIFO is closed, and the next plot's
      // open waits for the next load.
      std::ofstream(warm) << terminal
                          << "\n"
                             "set output '/dev/null'\n"
                             "plot [0:1] x notitle\n"
                             "unset output\n"
                             "reset\n"
                             "while (1) {\n"
                             "  load "
                          << Quote(fifo)
                          << "\n"
                             "  set print "
                          << Quote(drawn)
                          << "\n"
                             "  print 'drawn'\n"
                             "  unset print\n"
                             "}\n";
      try {
        plotters_.push_back(std::make_unique<Plotter>(Plotter{
            terminal, fifo, drawn, base + ".log", ChildProcess({gnuplot, warm}, base + ".log")}));
      } catch (const std::exception&) {
        break;
      }
    }
    returned_.notify_all();  // a plot waiting in Take can have a new one
  }

  void StopFree() {
    std::vector<std::unique_ptr<Plotter>> stopped;  // killed and reaped outside the lock
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto& p : plotters_) {
        if (!p->busy) stopped.push_back(std::move(p));
      }
      std::erase(plotters_, nullptr);
    }
    returned_.notify_all();
    Stop(stopped);
  }

  // A free plotter that still runs, one warmed with `terminal` if there is one, marked busy;
  // while every plotter is busy, waits for one. nullptr when there is none.
  Plotter* Take(const std::string& terminal) {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      DropDeadLocked();
      Plotter* free = nullptr;
      for (const auto& p : plotters_) {
        if (p->busy) continue;
        if (free == nullptr || (free->terminal != terminal && p->terminal == terminal)) {
          free = p.get();
        }
      }
      if (free != nullptr) {
        free->busy = true;
        return free;
      }
      if (plotters_.empty()) return nullptr;
      returned_.wait(lock);
    }
  }

  // A plotter taken with Take is free again; or, `lost`, gone (killed if it still runs).
  void Return(Plotter* plotter, bool lost) {
    std::unique_ptr<Plotter> gone;  // killed and reaped outside the lock
    {
      std::lock_guard<std::mutex> lock(mutex_);
      plotter->busy = false;
      if (lost) {
        auto it = std::find_if(plotters_.begin(), plotters_.end(),
                               [&](const auto& p) { return p.get() == plotter; });
        gone = std::move(*it);
        plotters_.erase(it);
      }
    }
    returned_.notify_all();
  }

 private:
  // Kills the plotters, all of them before waiting for any to end, and forgets them.
  static void Stop(std::vector<std::unique_ptr<Plotter>>& plotters) {
    for (auto& p : plotters) p->process.Signal(SIGKILL);
    plotters.clear();  // reaps them
  }

  // Forgets the free plotters that have exited. REQUIRES: mutex_ held.
  void DropDeadLocked() {
    std::erase_if(plotters_, [](const std::unique_ptr<Plotter>& p) {
      return !p->busy && !p->process.Running();
    });
  }

  bool MakeDir() {
    if (!dir_.empty()) return true;
    const char* tmp = std::getenv("TMPDIR");
    const std::string parent = tmp && *tmp ? tmp : "/tmp";
    RemoveAbandonedDirs(parent);
    std::string pattern = parent + "/" + kDirPrefix + std::to_string(::getpid()) + "-XXXXXX";
    if (!::mkdtemp(pattern.data())) return false;
    dir_ = pattern;
    return true;
  }

  // Removes the plotter directories of processes of this user that no longer run (killed
  // before they could remove their own).
  static void RemoveAbandonedDirs(const std::string& parent) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(parent, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind(kDirPrefix, 0) != 0) continue;
      const size_t dash = name.find('-', sizeof kDirPrefix - 1);
      if (dash == std::string::npos) continue;
      const std::string pid_text =
          name.substr(sizeof kDirPrefix - 1, dash - (sizeof kDirPrefix - 1));
      if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos ||
          pid_text.size() > 9) {
        continue;
      }
      struct stat st {};
      if (::lstat(entry.path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode) ||
          st.st_uid != ::getuid()) {
        continue;
      }
      const pid_t owner = static_cast<pid_t>(std::stol(pid_text));
      if (::kill(owner, 0) != 0 && errno == ESRCH) fs::remove_all(entry.path(), ec);
    }
  }

  static constexpr char kDirPrefix[] = "minimr-plot-";

  const pid_t owner_ = ::getpid();
  std::mutex mutex_;
  std::condition_variable returned_;  // a busy plotter is free again, or gone
  std::string dir_;
  int started_ = 0;
  std::vector<std::unique_ptr<Plotter>> plotters_;
};

Pool& ThePool() {
  static Pool pool;
  return pool;
}

// Opens the plotter's FIFO for writing once it waits on it (an open without a reader fails).
int OpenWhenReady(Plotter& plotter) {
  const auto deadline = std::chrono::steady_clock::now() + kReadyPatience;
  while (true) {
    int fd = ::open(plotter.fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) return fd;
    if (errno != ENXIO || !plotter.process.Running() ||
        std::chrono::steady_clock::now() > deadline) {
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// Waits until the plotter writes a line to `drawn_fd` (true), exits, or `deadline` passes.
bool WaitUntilDrawn(Plotter& plotter, int drawn_fd,
                    std::chrono::steady_clock::time_point deadline) {
  auto said_drawn = [&] {
    char line[64];
    return ::read(drawn_fd, line, sizeof line) > 0;
  };
  for (;;) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    // Without a pidfd, a plotter's exit is seen within 50 ms.
    const int exit_fd = plotter.process.exit_fd();
    struct pollfd fds[2] = {{drawn_fd, POLLIN, 0}, {exit_fd, POLLIN, 0}};
    const int slice =
        static_cast<int>(std::clamp<int64_t>(left.count(), 0, exit_fd >= 0 ? INT32_MAX : 50));
    if (::poll(fds, exit_fd >= 0 ? 2 : 1, slice) < 0 && errno != EINTR) return false;
    if (said_drawn()) return true;
    if (!plotter.process.Running()) return said_drawn();  // it may have said so, then exited
    if (std::chrono::steady_clock::now() >= deadline) return false;
  }
}

// Writes all of `data` to the FIFO `fd`; false if it could not. A plotter that goes away
// meanwhile makes the write fail with EPIPE rather than kill this process with SIGPIPE.
bool WriteWithoutSigpipe(int fd, const std::string& data) {
  sigset_t pipe, saved;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe, &saved);
  sigset_t pending;
  const bool was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
  const ssize_t written = ::write(fd, data.data(), data.size());
  if (written < 0 && errno == EPIPE && !was_pending) {
    const timespec now{0, 0};
    ::sigtimedwait(&pipe, nullptr, &now);  // the SIGPIPE this write raised
  }
  ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  return written == static_cast<ssize_t>(data.size());
}

// What the plotter has written to its log from `offset` on.
std::string LogFrom(const Plotter& plotter, std::streamoff offset) {
  std::ifstream log(plotter.log, std::ios::binary);
  log.seekg(offset);
  return std::string(std::istreambuf_iterator<char>(log), std::istreambuf_iterator<char>());
}

std::streamoff LogSize(const Plotter& plotter) {
  std::error_code ec;
  const auto size = fs::file_size(plotter.log, ec);
  return ec ? 0 : static_cast<std::streamoff>(size);
}

}  // namespace

void StartPlotterProcesses(int count, const std::string& terminal) {
  ThePool().Start(count, terminal);
}

void StopPlotterProcesses() { ThePool().StopFree(); }

std::optional<CommandResult> RunOnPlotter(const std::string& script, const std::string& terminal,
                                          std::chrono::milliseconds timeout) {
  Pool& pool = ThePool();
  Plotter* plotter = pool.Take(terminal);
  if (plotter == nullptr) return std::nullopt;
  // Given back when done; lost (killed) unless it drew the plot, also on an exception.
  bool drawn = false;
  struct GiveBack {
    Pool& pool;
    Plotter* plotter;
    const bool& drawn;
    ~GiveBack() { pool.Return(plotter, !drawn); }
  } give_back{pool, plotter, drawn};
  const int fd = OpenWhenReady(*plotter);
  if (fd < 0) return std::nullopt;  // it never got ready: it goes, killed
  const std::streamoff log_start = LogSize(*plotter);
  // Opened before the plotter can open it to write: its open then does not block.
  const int drawn_fd = ::open(plotter->drawn.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  const std::string command = "load " + Quote(script) + "\nreset session\n";
  const bool sent = drawn_fd >= 0 && WriteWithoutSigpipe(fd, command);
  ::close(fd);
  if (!sent) {
    if (drawn_fd >= 0) ::close(drawn_fd);
    return std::nullopt;
  }
  CommandResult result;
  drawn = WaitUntilDrawn(*plotter, drawn_fd, std::chrono::steady_clock::now() + timeout);
  ::close(drawn_fd);
  if (drawn) {
    result.status = 0;
  } else if (plotter->process.WaitFor(std::chrono::milliseconds(0))) {
    result.status = plotter->process.ExitCode();  // the script made gnuplot exit
  } else {
    plotter->process.Signal(SIGKILL);
    plotter->process.WaitFor(std::chrono::seconds(5));
  }
  result.output = LogFrom(*plotter, log_start);
  return result;
}

}  // namespace minimr::report
