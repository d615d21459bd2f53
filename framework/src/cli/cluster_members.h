// The master and a worker, run from settings rather than a command line: `minimr master` and
// `minimr worker` parse theirs into these, and `minimr run` fills them in and forks. A forked
// process pays for each page it writes (14-17 us on a PVM guest): describing and parsing the
// options took a forked master 2-5 ms of its start (docs/benchmarks.md).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "framework/src/runtime/master.h"

namespace minimr::cli {

struct MasterSettings {
  runtime::MasterOptions options;  // host, port, timeouts, frame size; the key is made here
  std::string connection_file;     // empty: ~/.minimr/connection.json (its directory 0700)
  std::string advertise;           // the host workers dial; empty: host, or this host's name
  bool tls = false;                // a self-signed certificate beside the connection file
};

// Writes the connection file, serves until SIGINT or SIGTERM, removes the file. The exit status.
int RunMaster(MasterSettings settings);

struct WorkerSettings {
  std::string connection_file;  // empty: ~/.minimr/connection.json
  // How long to wait for the connection file to appear (a worker started beside its master).
  std::chrono::seconds connection_wait{0};
  std::string master_host;  // empty: the connection file's
  uint16_t master_port = 0;
  std::string work_dir;               // empty: $TMPDIR
  std::string name;                   // empty: host:pid
  std::optional<std::string> faults;  // none: $MINIMR_FAULTS
  int64_t run_time_limit = 0;         // seconds; 0: none
};

// Joins the master and runs its tasks until it stops. The exit status.
int RunWorker(const WorkerSettings& settings);

}  // namespace minimr::cli
