#include "framework/src/api/plotters.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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
  std::string fifo;
  std::string log;
  ChildProcess process;
};

// The waiting plotters, in a private directory (their FIFOs, scripts and logs) removed at exit
// with them.
class Pool {
 public:
  ~Pool() {
    // Only in the process that started them: a fork of it (a local worker) that calls exit()
    // runs this destructor too, on its copy of the pool.
    if (::getpid() != owner_) {
      for (auto& plotter : idle_) plotter->process.Forget();
      return;
    }
    idle_.clear();  // kills and reaps the plotters that were never used
    std::error_code ignored;
    if (!dir_.empty()) fs::remove_all(dir_, ignored);
  }

  void Start(int count, const std::string& terminal) {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::string gnuplot = FindInPath("gnuplot");
    if (gnuplot.empty() || !MakeDir()) return;
    std::erase_if(idle_, [](const std::unique_ptr<Plotter>& p) { return !p->process.Running(); });
    const auto ready = std::count_if(idle_.begin(), idle_.end(),
                                     [&](const auto& p) { return p->terminal == terminal; });
    for (int i = static_cast<int>(ready); i < count; ++i) {
      const std::string base = dir_ + "/plotter-" + std::to_string(started_++);
      const std::string fifo = base + ".fifo";
      const std::string warm = base + ".gp";
      if (::mkfifo(fifo.c_str(), 0600) != 0) return;
      std::ofstream(warm) << terminal
                          << "\n"
                             "set output '/dev/null'\n"
                             "plot [0:1] x notitle\n"
                             "unset output\n"
                             "reset\n"
                             "load "
                          << Quote(fifo) << "\n";
      try {
        idle_.push_back(std::make_unique<Plotter>(
            Plotter{terminal, fifo, base + ".log", ChildProcess({gnuplot, warm}, base + ".log")}));
      } catch (const std::exception&) {
        return;
      }
    }
  }

  // A running plotter, one warmed with `terminal` if there is one.
  std::unique_ptr<Plotter> Take(const std::string& terminal) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::erase_if(idle_, [](const std::unique_ptr<Plotter>& p) { return !p->process.Running(); });
    if (idle_.empty()) return nullptr;
    auto it = std::find_if(idle_.begin(), idle_.end(),
                           [&](const auto& p) { return p->terminal == terminal; });
    if (it == idle_.end()) it = idle_.begin();
    std::unique_ptr<Plotter> plotter = std::move(*it);
    idle_.erase(it);
    return plotter;
  }

 private:
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
  std::string dir_;
  int started_ = 0;
  std::vector<std::unique_ptr<Plotter>> idle_;
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

}  // namespace

void StartPlotterProcesses(int count, const std::string& terminal) {
  ThePool().Start(count, terminal);
}

std::optional<CommandResult> RunOnPlotter(const std::string& script, const std::string& terminal,
                                          std::chrono::milliseconds timeout) {
  std::unique_ptr<Plotter> plotter = ThePool().Take(terminal);
  if (!plotter) return std::nullopt;
  const int fd = OpenWhenReady(*plotter);
  if (fd < 0) return std::nullopt;  // the plotter goes (killed) with `plotter`
  const std::string command = "load " + Quote(script) + "\n";
  const bool sent =
      ::write(fd, command.data(), command.size()) == static_cast<ssize_t>(command.size());
  ::close(fd);
  if (!sent) return std::nullopt;
  CommandResult result;
  if (plotter->process.WaitFor(timeout)) {
    result.status = plotter->process.ExitCode();
  } else {
    plotter->process.Signal(SIGKILL);
    plotter->process.WaitFor(std::chrono::seconds(5));
  }
  std::ifstream log(plotter->log);
  result.output.assign(std::istreambuf_iterator<char>(log), std::istreambuf_iterator<char>());
  return result;
}

}  // namespace minimr::report
