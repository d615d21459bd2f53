// How a cluster's workers are started and stopped. `local` runs them as processes on this
// machine; an SGE launcher submits them to Grid Engine. The master does not care which: workers
// find it through the connection file.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "launcher/worker_settings.h"

namespace minimr::launcher {

struct WorkerLaunch {
  std::string minimr;           // the minimr executable the workers run
  std::string connection_file;  // the master's address and the cluster's key
  int workers = 1;
  std::string log_dir;          // one log file per worker goes here
  std::string work_dir;         // where workers make their scratch directories ("": $TMPDIR)
  int max_replacements = 0;     // how many dead workers may be replaced over the cluster's life
  // A local worker stopped (SIGSTOP) this long is killed and replaced: the master has given up
  // on it by then (its worker timeout).
  std::chrono::milliseconds stall_timeout{std::chrono::seconds(10)};
  // Local workers started beside their master, before it has written the connection file, wait
  // this long for it (whole seconds; 0: it must be there).
  std::chrono::seconds connection_wait{0};
  // If set, local workers are forks of this process that call it with their settings (what
  // `minimr worker` would run with), instead of starting `minimr`: they skip exec and loading
  // the program's libraries (milliseconds each, on the way to the first task). While this
  // process runs other threads they start the program (ChildProcess::ForkOrExec), with
  // WorkerArguments of the same settings. Grid Engine's workers always start the program.
  std::function<int(const WorkerSettings& settings)> worker_main;
};

// How long workers have to leave once their master has gone, before they are killed.
constexpr std::chrono::seconds kStopGrace{10};

class Launcher {
 public:
  virtual ~Launcher() = default;
  // Starts the workers. Throws std::runtime_error if they cannot be started.
  virtual void Start(const WorkerLaunch& launch) = 0;
  // How many started workers are still running (lets a caller notice a cluster that died).
  virtual int Running() = 0;
  // A line on each worker that has exited, for error messages.
  virtual std::string Endings() = 0;
  // Starts a new worker in place of each one that died (not those that exited cleanly, told to
  // by the master), while the replacement budget lasts, so that the cluster keeps its size.
  // Returns a line for the user on each replacement.
  virtual std::vector<std::string> ReplaceDead() = 0;
  // Why the workers are stopped: their master has gone, and told them to leave; or the command
  // that started them was interrupted, and some may never have reached the master (a Ctrl-C in a
  // run's first 50 ms) or be stopped, and would never hear that it went.
  enum class StopReason { kMasterGone, kInterrupted };
  // Waits a grace (10 s) for the workers to exit, then kills them; how long after an interrupt
  // is each launcher's to say.
  virtual void Stop(StopReason why) = 0;
  // A reason the workers will never serve (queued too long, deleted from outside, refused), for
  // the user; "" while all is well.
  virtual std::string Problem() { return ""; }
  // Where the workers are, for messages: "sge job 12 (tasks 1-4), logs in DIR".
  virtual std::string Describe() { return ""; }
};

struct ClusterProfile;
// The profile's launcher ("local" or "sge").
std::unique_ptr<Launcher> MakeLauncher(const ClusterProfile& profile);

}  // namespace minimr::launcher
