// The state of one job's tasks: which wait, which run where (one attempt, or two when a straggler
// has a backup), which are done and where their map output lives, and every attempt's history.
// Pure bookkeeping: no I/O, and the time comes in as an argument, so every path (retries, lost
// workers, speculation, exclusion) is testable in isolation with made-up time.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "framework/src/runtime/clock.h"
#include "framework/src/runtime/job_plan.h"
#include "framework/src/wire/messages.h"
#include "minimr/counters.h"

namespace minimr::runtime {

// How a job's tasks are retried and doubled; from the job file's `tasks` section.
struct SchedulerOptions {
  // A task whose attempts fail (or whose worker is lost under it) this often fails the job.
  int max_attempts = 4;
  // A worker on which this many attempts of the job failed gets no more of its tasks (unless
  // every worker has been excluded).
  int max_failures_per_worker = 3;
  // Speculative execution: a running task gets one backup attempt on another worker once it has
  // run `speculation_slowdown` times the median time of the finished tasks of its phase, and at
  // least `speculation_min`; before any task of its phase has finished, after 10x that minimum.
  bool speculation = true;
  double speculation_slowdown = 2.0;
  Duration speculation_min = std::chrono::seconds(1);
};

struct JobSpec {
  uint64_t id = 0;
  std::string job_name;
  std::string plugin_path, plugin_sha256;  // a job from a plugin: see TaskSpec
  std::map<std::string, std::string> params;  // with the job's defaults filled in
  JobPlan plan;
  int reduce_tasks = 1;
  std::string staging_dir;  // reduce attempts write their part files under it
  std::string output_format = "text";  // how they write them: "text", "jsonl" or "raw"
  int parallel_copies = 5;  // servers a reduce task fetches from at once
  // How large the lists an assignment carries may be (AttachLists): wire::kInlineListBytes, or
  // less when the cluster's frames are small.
  size_t inline_list_bytes = wire::kInlineListBytes;
  wire::ShuffleBudgets shuffle;
  SchedulerOptions options;
};

struct JobProgress {
  int maps_done = 0, maps_total = 0;
  int reduces_done = 0, reduces_total = 0;
  uint64_t bytes_done = 0;  // input bytes of finished map tasks
  uint64_t bytes_total = 0;
};

// One attempt of one task, as job.json and error messages tell it.
struct AttemptRecord {
  enum class Outcome { kRunning, kSucceeded, kFailed, kLost, kKilled };
  bool is_map = true;
  int index = 0;
  int attempt = 0;
  int worker = -1;
  std::string worker_name;
  bool speculative = false;  // a backup of a straggler
  TimePoint started{};
  double seconds = 0;
  Outcome outcome = Outcome::kRunning;
  std::string error;
};
const char* OutcomeName(AttemptRecord::Outcome outcome);

// An attempt the master should tell its worker to abandon.
struct AttemptToKill {
  int worker;
  wire::KillTask kill;
};

// What Complete() made of a report.
struct Completion {
  bool accepted = false;  // the attempt won its task (for a reduce: commit its part file now)
  std::vector<AttemptToKill> to_kill;  // the task's other attempts, now useless
};

// A phase's tasks summed up, for job.json: attempts by outcome and the times of the successful
// ones.
struct PhaseSummary {
  int tasks = 0;
  int64_t attempts = 0, succeeded = 0, failed = 0, lost = 0, killed = 0, speculative = 0;
  std::vector<float> seconds;  // of each successful attempt, in no order
};

// Memory: the master keeps, per map task, its split (24 bytes), a Task (about 80 bytes, its
// counters packed in place when small) and the time of its successful attempt (4 bytes);
// attempts are kept in full only when they did not simply succeed (failed, lost, killed,
// speculative: notable_attempts()). Per-task work is O(log tasks) or less: nothing scans
// every task on a dispatch or a report.
class JobScheduler {
 public:
  explicit JobScheduler(JobSpec spec);

  // A worker that may run tasks, its name for messages, and where its map-output server listens.
  void AddWorker(int worker, const std::string& name, const std::string& host, uint16_t port);

  // Picks the next task for `worker` into *task: a waiting map, else (once every map is done) a
  // waiting reduce, else a backup attempt of a straggler. False if none can run there now.
  bool Assign(int worker, TimePoint now, wire::TaskSpec* task);
  // How many tasks wait to run and could be given out now (backups of stragglers aside): the
  // waiting maps, or once every map is done the waiting reduces. When none does, Assign can
  // give a worker only a backup.
  size_t WaitingTasks() const;
  bool HasWaitingTask() const { return WaitingTasks() > 0; }
  // Reduce attempts to kill so that map tasks waiting to run again get a worker. Called when no
  // idle worker could take them. A map task waits during the reduce phase when its output was
  // lost, and the running reduces wait for that output: if they hold every worker, each waits
  // for ever. Once maps have waited kPreemptAfter, one reduce per waiting map (less those whose
  // worker has been freed this way and not yet given a task), the newest first, is recorded as
  // killed (not failed) and waits again; as Hadoop's MapReduce preempts reducers.
  std::vector<AttemptToKill> PreemptReduces(TimePoint now);
  static constexpr Duration kPreemptAfter = std::chrono::seconds(1);
  // Appends to *out the locations of the outputs of map tasks `from`, `from + 1`, ..., at most
  // `max` of them, stopping before the first map task whose output is not there (not run yet,
  // or lost and waiting to run again).
  void MapOutputsFrom(int from, size_t max, std::vector<wire::MapOutputLocation>* out) const;
  // Records a finished attempt. Reports of attempts that are no longer running (killed, lost,
  // or of a job that is over) are ignored. A failed reduce that names map outputs it could not
  // fetch sends those map tasks, and every other whose output the same worker holds, to run
  // again, and is not counted against the reduce.
  Completion Complete(int worker, const wire::TaskReport& report, TimePoint now);
  // Whether the reported attempt is still running on `worker` (not killed, lost or ended).
  bool IsRunning(int worker, const wire::TaskReport& report) const;
  // An attempt given to `worker` while it ran another (it asked ahead) starts now that the other
  // has ended there: its time, for speculation and job.json, counts from now, and it is the
  // newest running attempt (unless its task has a backup already: the straggler search goes by
  // the first attempt's time). `attempt` names it as a report would (job, phase, index,
  // attempt); one no longer running is ignored.
  void AttemptStarted(int worker, const wire::TaskReport& attempt, TimePoint now);
  // An attempt given to `worker` ahead that has not started there is taken back: recorded as
  // killed (not failed, whatever `why`), its task waits again if it has no other attempt.
  // Returns whether the attempt was running (the master then tells the worker to drop it).
  bool TakeBack(int worker, const wire::TaskReport& attempt, TimePoint now,
                const std::string& why);
  // The worker is gone: each attempt it ran counts as failed (unless the worker left in good
  // order, `handed_back`: at the end of its run-time), and the finished map tasks whose output
  // it held run again while some reduce still needs them.
  void WorkerLost(int worker, const std::string& reason, TimePoint now, bool handed_back = false);

  bool done() const { return reduces_done_ == spec_.reduce_tasks && !failed(); }
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  bool maps_done() const { return maps_done_ == static_cast<int>(maps_.size()); }
  JobProgress progress() const;
  int map_tasks() const { return static_cast<int>(maps_.size()); }
  // The sum of the counters of every task's successful attempt.
  Counters counters() const;
  const JobSpec& spec() const { return spec_; }
  // A description of a task for messages: "map task 3 (pi.04of15, bytes 0-11000000)".
  std::string Describe(bool is_map, int index) const;
  // The worker each running task is on (its first attempt), as (is_map, index) -> worker.
  std::map<std::pair<bool, int>, int> Running() const;
  // The attempts that did not simply succeed: failed, lost, killed, or speculative (a backup),
  // in the order they ended.
  const std::vector<AttemptRecord>& notable_attempts() const { return notable_; }
  // Phase `is_map`'s tasks summed up.
  PhaseSummary Summary(bool is_map) const;
  // Names of the workers excluded for failing too many of this job's attempts.
  std::vector<std::string> ExcludedWorkers() const;
  // Whether `worker` gets no more of this job's tasks (see max_failures_per_worker).
  bool Excluded(int worker) const;

 private:
  enum class State : uint8_t { kWaiting, kRunning, kDone };
  struct LiveAttempt {
    int worker;
    int attempt;
    bool speculative;
    uint64_t order;  // key in running_: attempts in the order they started
    TimePoint started;
  };
  struct Task {
    State state = State::kWaiting;
    int next_attempt = 0;
    int failures = 0;
    int winner_worker = -1, winner_attempt = -1;  // when done (maps: where the output is)
    std::vector<LiveAttempt> running;
    std::string counters;  // of the winning attempt, packed (PackCounters)
  };
  struct WorkerInfo {
    std::string name, host;
    uint16_t port = 0;
    bool has_input_files = false;  // a map task carried the job's input file list to it
  };

  Task& TaskOf(bool is_map, int index) { return (is_map ? maps_ : reduces_)[index]; }
  // Where the reported attempt is in its task's running attempts, if it is running on `worker`.
  std::optional<size_t> RunningIndex(int worker, const wire::TaskReport& report) const;
  std::optional<std::pair<bool, int>> FindStraggler(int worker, TimePoint now) const;
  // The median time of the phase's successful attempts, recomputed as their number grows.
  double MedianSeconds(bool is_map) const;
  void StartAttempt(bool is_map, int index, int worker, TimePoint now, bool speculative,
                    wire::TaskSpec* spec);
  // What a task would otherwise ask the master for, when small (wire::kInlineListBytes): the
  // input file list with a worker's first map task of the job; with a reduce task, the
  // locations of the map outputs there are.
  void AttachLists(int worker, wire::TaskSpec* task);
  // Ends a running attempt (removes it from the task and from running_) as `outcome`, recording
  // it unless it simply succeeded.
  void EndAttempt(bool is_map, int index, size_t which, AttemptRecord::Outcome outcome,
                  TimePoint now, const std::string& error);
  // Ends a running attempt that failed (or whose worker was lost): counts it, and fails the job
  // or puts the task back in the queue.
  void AttemptFailed(bool is_map, int index, int worker);
  // A finished map task's output is gone: records its winning attempt as lost and queues it.
  void LoseMapOutput(int index, const std::string& error);
  void MarkWaiting(bool is_map, int index);
  std::string WorkerName(int worker) const;
  std::string History(bool is_map, int index) const;

  JobSpec spec_;
  bool input_files_fit_ = false;  // in an assignment: see AttachLists
  std::vector<Task> maps_, reduces_;
  // Waiting tasks: those never started are every index from next_fresh_ on; those queued again
  // are in requeued_.
  int next_fresh_[2] = {0, 0};  // [is_map]
  std::set<int> requeued_[2];
  // Running attempts by start order: (is_map, index).
  std::map<uint64_t, std::pair<bool, int>> running_;
  uint64_t next_order_ = 0;
  std::map<int, WorkerInfo> workers_;
  std::map<int, int> failures_on_worker_;
  // Workers whose reduce PreemptReduces killed, until they are given a task (or lost).
  std::set<int> preempted_workers_;
  std::optional<TimePoint> maps_waiting_since_;  // for PreemptReduces: maps wait, no worker free
  std::vector<float> finished_seconds_[2];  // [is_map]
  mutable double median_[2] = {0, 0};
  mutable size_t median_of_[2] = {0, 0};  // how many times median_ was computed over
  int64_t attempts_started_[2] = {0, 0};
  int64_t attempts_running_[2] = {0, 0};  // [is_map]
  std::vector<AttemptRecord> notable_;
  // The names of the counters tasks report, in order of first use: Task::counters refers to them.
  std::vector<std::string> counter_names_;
  std::map<std::string, uint64_t, std::less<>> counter_ids_;
  int maps_done_ = 0, reduces_done_ = 0;
  uint64_t bytes_done_ = 0;
  std::string error_;
};

}  // namespace minimr::runtime
