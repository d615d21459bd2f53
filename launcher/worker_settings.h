// What a worker process is started with: `minimr worker`'s options, as one struct. The local
// launcher forks a worker with it, or starts the program with the command line WorkerArguments
// writes from it; `minimr worker` parses its options back into it (cli/worker_command.cc).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace minimr::launcher {

// Within what `minimr worker` accepts, or its command line is refused: connection_wait up to an
// hour, master_port 1 to 65535 with a master_host, run_time_limit up to a year.
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

// The command line that starts `minimr` (the executable at `minimr`) as a worker with `settings`.
std::vector<std::string> WorkerArguments(const std::string& minimr, const WorkerSettings& settings);

}  // namespace minimr::launcher
