// The master and a worker, run from settings rather than a command line: `minimr master` and
// `minimr worker` parse theirs into these, and `minimr run` fills them in and forks. A forked
// process pays for each page it writes (11-16 us on a PVM guest): describing and parsing the
// options took a forked master 2-5 ms of its start (docs/benchmarks.md).
#pragma once

#include <string>
#include <vector>

#include "framework/src/runtime/master.h"
#include "launcher/worker_settings.h"

namespace minimr::cli {

struct MasterSettings {
  runtime::MasterOptions options;  // host, port, timeouts, frame size; the key is made here
  std::string connection_file;     // empty: ~/.minimr/connection.json (its directory 0700)
  std::string advertise;           // the host workers dial; empty: host, or this host's name
  bool tls = false;                // a self-signed certificate beside the connection file
};

// Writes the connection file, serves until SIGINT, SIGTERM or SIGHUP (unless nohup ignores it)
// or until the master stops itself (settings.options.stop_after_job, a client's kShutdown),
// removes the file. The exit status. The settings are taken as they are: `minimr master` checks
// its options first, `minimr run` its job file (the durations, the worker timeout beyond the
// heartbeat). The key is made here, and options.on_stop set.
int RunMaster(MasterSettings settings);
// The command line that starts `minimr` (the executable at `minimr`) as RunMaster(settings).
std::vector<std::string> MasterArguments(const std::string& minimr, const MasterSettings& settings);

using launcher::WorkerSettings;

// Joins the master and runs its tasks until it stops. The exit status.
int RunWorker(const WorkerSettings& settings);

}  // namespace minimr::cli
