// Running one reduce task attempt on a worker: fetch the task's partition of every map output,
// merge them, reduce, and commit part-r-NNNNN into the job's staging directory.
#pragma once

#include <string>

#include "framework/src/runtime/map_output_fetcher.h"
#include "framework/src/runtime/master_lists.h"
#include "framework/src/runtime/task_control.h"
#include "framework/src/wire/messages.h"
#include "minimr/counters.h"
#include "minimr/job.h"

namespace minimr::runtime {

// The name of reduce task `index`'s output file: part-r-00003.
std::string PartFileName(int index);

// Fetches the task's partition of each map output `locations` yields (a batch at a time), merges
// and reduces; writes the part file to the attempt's place in the staging directory
// (job_output.h's AttemptPartPath), where the master commits it if the attempt wins. Fetches go
// over `connections` with task.parallel_copies copiers (map_output_fetcher.h);
// fetched partitions larger than memory allows go to files in `scratch_dir`. Returns the task's
// counters. Throws FetchFailure when map output cannot be fetched, TaskKilled when `control`
// says so, and std::runtime_error naming the file on any other failure.
Counters RunReduceTask(const wire::TaskSpec& task, MapOutputLocations& locations,
                       const JobDefinition& job, FetchConnections& connections,
                       const std::string& scratch_dir, const TaskControl& control);

}  // namespace minimr::runtime
