// The workers a master knows, and the failure detector: when each was last heard from, and which
// have been silent for longer than the timeout. Plain bookkeeping with the time passed in.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "framework/src/runtime/clock.h"

namespace minimr::runtime {

struct WorkerEntry {
  std::string name;  // for logs: "local worker 2", "sge task 3", host:pid
  std::string host;  // where its map-output server listens
  uint16_t data_port = 0;
  TimePoint last_seen{};
  uint64_t progress_bytes = 0;  // input read by its running map task
};

class WorkerRegistry {
 public:
  // A worker silent for longer than `timeout` is taken for dead. Empty since `now`.
  WorkerRegistry(Duration timeout, TimePoint now) : timeout_(timeout), empty_since_(now) {}

  // Registers a worker heard from at `now`; returns its id (1, 2, ...; never reused).
  int Add(WorkerEntry entry, TimePoint now);
  // Something arrived from the worker.
  void Heard(int id, TimePoint now);
  // nullptr if there is no such worker (any more).
  WorkerEntry* Find(int id);
  void Remove(int id, TimePoint now);

  // The workers silent for longer than the timeout, longest silent first.
  std::vector<int> Silent(TimePoint now) const;
  // Since when the registry has had no worker at all; nullopt while it has one.
  std::optional<TimePoint> EmptySince() const;

  std::map<int, WorkerEntry>& workers() { return workers_; }
  const std::map<int, WorkerEntry>& workers() const { return workers_; }
  Duration timeout() const { return timeout_; }

 private:
  Duration timeout_;
  int next_id_ = 1;
  std::map<int, WorkerEntry> workers_;
  std::optional<TimePoint> empty_since_;
};

}  // namespace minimr::runtime
