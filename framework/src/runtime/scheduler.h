// The state of one job's tasks: which wait, which run where, which are done and where their map
// output lives. Pure bookkeeping: no I/O and no clock, so every path is testable in isolation.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "framework/src/runtime/job_plan.h"
#include "framework/src/wire/messages.h"
#include "minimr/counters.h"

namespace minimr::runtime {

struct JobSpec {
  uint64_t id = 0;
  std::string job_name;
  std::map<std::string, std::string> params;  // with the job's defaults filled in
  JobPlan plan;
  int reduce_tasks = 1;
  std::string staging_dir;  // reduce tasks commit their part files here
};

struct JobProgress {
  int maps_done = 0, maps_total = 0;
  int reduces_done = 0, reduces_total = 0;
  uint64_t bytes_done = 0;  // input bytes of finished map tasks
  uint64_t bytes_total = 0;
};

class JobScheduler {
 public:
  // A task that fails `max_attempts` times fails the job.
  JobScheduler(JobSpec spec, int max_attempts = 4);

  // Where a worker's map-output server listens. REQUIRES: before the worker is given tasks.
  void AddWorker(int worker, const std::string& host, uint16_t port);

  // Picks the next task for `worker` into *task. False if none can run now (all running or done,
  // or reduces waiting for maps, or the job is over).
  bool Assign(int worker, wire::TaskSpec* task);
  // Records a finished attempt; reports of attempts that are no longer current are ignored.
  void Complete(int worker, const wire::TaskReport& report);
  // The worker is gone: its running tasks wait again, and so do the finished map tasks whose
  // output it held while reduces may still need it.
  void WorkerLost(int worker);

  bool done() const { return reduces_done_ == spec_.reduce_tasks && !failed(); }
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  bool maps_done() const { return maps_done_ == static_cast<int>(maps_.size()); }
  JobProgress progress() const;
  // The sum of the counters of every task's successful attempt.
  Counters counters() const;
  const JobSpec& spec() const { return spec_; }
  // A description of a task for messages: "map task 3 (pi.04of15, bytes 0-11000000)".
  std::string Describe(bool is_map, int index) const;
  // The worker each running task is on, as (is_map, index) -> worker.
  std::map<std::pair<bool, int>, int> Running() const;

 private:
  enum class State { kWaiting, kRunning, kDone };
  struct Task {
    State state = State::kWaiting;
    int attempts = 0;   // attempts started so far; the current one is attempts - 1
    int failures = 0;
    int worker = -1;    // running on, or (maps) output held by
    Counters counters;  // of the successful attempt
  };

  Task* Find(bool is_map, int index);
  void MarkWaiting(bool is_map, int index, Task& task);

  JobSpec spec_;
  int max_attempts_;
  std::vector<Task> maps_, reduces_;
  std::vector<int> waiting_maps_, waiting_reduces_;  // FIFO by index order of becoming ready
  std::map<int, std::pair<std::string, uint16_t>> workers_;
  int maps_done_ = 0, reduces_done_ = 0;
  std::string error_;
};

}  // namespace minimr::runtime
