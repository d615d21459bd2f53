// Running one reduce task attempt on a worker: fetch the task's partition of every map output,
// merge them, reduce, and commit part-r-NNNNN into the job's staging directory.
#pragma once

#include <chrono>
#include <functional>
#include <stdexcept>
#include <vector>
#include <string>
#include <string_view>

#include "framework/src/runtime/master_lists.h"
#include "framework/src/runtime/task_control.h"
#include "framework/src/wire/messages.h"
#include "framework/src/wire/security.h"
#include "minimr/counters.h"
#include "minimr/job.h"

namespace minimr::runtime {

// The name of reduce task `index`'s output file: part-r-00003.
std::string PartFileName(int index);

// A reduce attempt that could not fetch map output: the output it could not fetch (its worker
// vanished, froze or lost it), for the master to run again with every other on that worker.
class FetchFailure : public std::runtime_error {
 public:
  FetchFailure(const std::string& what, std::vector<wire::MapOutputLocation> lost)
      : std::runtime_error(what), lost_(std::move(lost)) {}
  const std::vector<wire::MapOutputLocation>& lost() const { return lost_; }

 private:
  std::vector<wire::MapOutputLocation> lost_;
};

// Fetches the task's partition of each map output `locations` yields, merges and reduces; writes
// the part file to the attempt's place in the staging directory (job_output.h's AttemptPartPath),
// where the master commits it if the attempt wins. Fetched partitions larger than memory allows go
// to files in `scratch_dir`; a fetch that receives nothing for `fetch_timeout` fails. Returns the
// task's counters. Throws FetchFailure when map output cannot be fetched, TaskKilled when `control`
// says so, and std::runtime_error naming the file on any other failure.
Counters RunReduceTask(const wire::TaskSpec& task, MapOutputLocations& locations,
                       const JobDefinition& job, const wire::Security& security,
                       const std::string& scratch_dir, std::chrono::milliseconds fetch_timeout,
                       const TaskControl& control);

// Fetches partition `partition` of a map output from its worker, handing each piece to `sink`
// as it arrives. Returns the partition's size. Throws std::runtime_error naming the worker and
// map task on failure, or when nothing arrives for `timeout`.
uint64_t FetchPartition(const wire::MapOutputLocation& from, uint64_t job_id, int partition,
                        const wire::Security& security, std::chrono::milliseconds timeout,
                        const std::function<void(std::string_view)>& sink);

}  // namespace minimr::runtime
