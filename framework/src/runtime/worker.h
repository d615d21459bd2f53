// A worker process: registers with the master, pulls tasks and runs them one at a time, and
// serves its map output to the reduce tasks that fetch it. It exits when the master tells it to,
// when the master is gone or silent, or on SIGINT, SIGTERM or SIGHUP, and removes its scratch
// directory on the way out. On SIGUSR1 or SIGUSR2 (Grid Engine's warning before a run-time limit
// or a kill), or when its own run-time limit is too near, it leaves in good order: it abandons
// its task, tells the master to run its work elsewhere, and exits with status 0.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "framework/src/wire/listener.h"
#include "framework/src/wire/security.h"

namespace minimr::runtime {

struct WorkerOptions {
  std::string master_host;
  uint16_t master_port = 0;
  // The cluster's key and, in a TLS cluster, the contexts to connect and to serve map output
  // with (wire::MemberSecurity).
  wire::Security security;
  // Caps of the map-output server on connections in their handshake and from one address.
  wire::ListenerLimits limits;
  // Where the worker makes its private scratch directory (mkdtemp, mode 0700) for map output;
  // only that directory is removed at exit. Empty: $TMPDIR, or /tmp. Scratch directories that
  // earlier workers left there when they were killed are removed at start.
  std::string work_dir;
  // How the worker names itself in the master's logs (e.g. "sge task 3"); empty: host:pid.
  std::string name;
  // Faults to inject, for tests (see fault_injection.h); empty: none.
  std::string faults;
  // Seconds the worker may run (its batch job's run-time limit; 0: none). It takes no task it
  // cannot finish in what is left (judged by its slowest task so far), and then leaves.
  int64_t run_time_limit = 0;
};

class Worker {
 public:
  explicit Worker(WorkerOptions options);
  ~Worker();
  // Serves until the master says to stop (returns 0), a signal asks it to (128 + signal), or the
  // master is lost (returns 1). Throws std::invalid_argument for a malformed fault plan.
  int Run();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace minimr::runtime
