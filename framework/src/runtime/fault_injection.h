// Faults a worker or a master injects into itself on cue, for tests of failure handling. A
// worker reads its plan from MINIMR_FAULTS (or `minimr worker --faults`), a master from `minimr
// master --faults`: a list of these, separated by commas or semicolons (qsub -v splits its
// argument at commas), each taken by whichever of the two it is for:
//   throw@map:3          map task 3 throws on every attempt ('*': every task; '#0': attempt 0 only)
//   crash@reduce:*       the task crashes its worker (SIGSEGV in the task's code)
//   stall@map:*#0        the worker stops itself (SIGSTOP) as the task starts
//   delay=200ms@reduce:* the task sleeps that long first
//   die-after-records=N  the worker kills itself (SIGKILL) once its map tasks have read N records
//   stall-after-maps=N   the worker stops itself (SIGSTOP) after reporting N map tasks done,
//                        holding their output
//   hang-fetch           the map-output server accepts fetches and never answers them
//   delay=5s@commit      the master's commit of a job's output sleeps that long first (a slow
//                        file system)
// An empty plan injects nothing and costs nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace minimr::runtime {

class FaultPlan {
 public:
  // Throws std::invalid_argument naming the item it cannot read.
  static FaultPlan Parse(const std::string& spec);

  // On the task's thread as an attempt starts: throws, crashes, stops or sleeps as planned.
  void OnTaskStart(bool is_map, int index, int attempt) const;
  // After a map task has read `records` more records.
  void OnRecords(int64_t records);
  // After a map task was reported done; true if the worker should now stop itself.
  bool StallAfterMapDone();
  bool hang_fetch() const { return hang_fetch_; }
  // In the master, as a job's output is committed: sleeps as planned. Any thread.
  void BeforeCommit() const;

 private:
  enum class Action { kThrow, kCrash, kStall, kDelay };
  struct Rule {
    Action action;
    bool is_map;
    int index;    // -1: every task
    int attempt;  // -1: every attempt
    std::chrono::milliseconds delay{0};
  };
  std::vector<Rule> rules_;
  int64_t die_after_records_ = 0;
  int stall_after_maps_ = 0;
  bool hang_fetch_ = false;
  std::chrono::milliseconds commit_delay_{0};
  int64_t records_ = 0;  // touched by the task thread only
  int maps_done_ = 0;     // touched by the io thread only
};

}  // namespace minimr::runtime
