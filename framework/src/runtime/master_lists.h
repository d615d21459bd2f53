// What a worker's task reads from the master a piece at a time, on a connection of its own: the
// job's input file list (for map tasks) and the locations of its map outputs (for reduce tasks).
// Nothing the master sends grows with the number of files or map tasks.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "framework/src/runtime/task_control.h"
#include "framework/src/wire/blocking_client.h"
#include "framework/src/wire/messages.h"
#include "framework/src/wire/security.h"
#include "minimr/input.h"

namespace minimr::runtime {

struct MasterAddress {
  std::string host;
  uint16_t port = 0;
  wire::Security security;
  size_t max_frame_bytes = 16u << 20;  // the cluster's frame limit, from the registration
};

// Job `job_id`'s input files, read from the master in pieces. Throws std::runtime_error naming
// the master if it cannot be reached within `timeout` or no longer runs the job.
InputFiles FetchInputFiles(const MasterAddress& master, uint64_t job_id,
                           std::chrono::milliseconds timeout);

// The locations of a job's map outputs in map task order, for a reduce task: first those its
// assignment carried (`known`, from map task 0 on), then the rest asked of the master `piece`
// at a time (it may send fewer, to fit a frame), on one connection made on first use.
class MapOutputLocations {
 public:
  // Throws std::runtime_error if `known` is not map tasks 0, 1, ... in order, or too many.
  MapOutputLocations(MasterAddress master, uint64_t job_id, int map_tasks,
                     std::chrono::milliseconds timeout, const TaskControl& control,
                     std::vector<wire::MapOutputLocation> known = {}, int piece = 4096);
  ~MapOutputLocations();

  // The next location into *out; false once all `map_tasks` have been given. While the next map
  // task's output is being made again it waits, asking every 100 ms. Throws TaskKilled when the
  // attempt is killed, std::runtime_error naming the master if it cannot be reached within the
  // timeout or no longer runs the job.
  bool Next(wire::MapOutputLocation* out);
  int map_tasks() const { return map_tasks_; }

 private:
  void Ask();
  // Appends `locations` (moved from) to buffer_; they must be map tasks next_, next_ + 1, ...
  void Take(std::vector<wire::MapOutputLocation>& locations);

  MasterAddress master_;
  uint64_t job_id_;
  int map_tasks_;
  std::chrono::milliseconds timeout_;
  const TaskControl& control_;
  int piece_;
  std::unique_ptr<wire::BlockingClient> client_;
  std::deque<wire::MapOutputLocation> buffer_;
  int next_ = 0;  // the map task after the last one buffered
};

}  // namespace minimr::runtime
