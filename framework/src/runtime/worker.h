// A worker process: registers with the master, pulls tasks and runs them one at a time, and
// serves its map output to the reduce tasks that fetch it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "framework/src/wire/handshake.h"

namespace minimr::runtime {

struct WorkerOptions {
  std::string master_host;
  uint16_t master_port = 0;
  wire::Key key{};
  // Scratch space for map output; created, and removed when the worker exits. Empty: a fresh
  // directory under $TMPDIR.
  std::string work_dir;
  // How the worker names itself in the master's logs (e.g. "sge task 3"); empty: host:pid.
  std::string name;
};

class Worker {
 public:
  explicit Worker(WorkerOptions options);
  ~Worker();
  // Serves until the master says to stop (returns 0) or the master is lost (returns 1).
  int Run();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace minimr::runtime
