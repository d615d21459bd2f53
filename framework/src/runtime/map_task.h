// Running one map task attempt on a worker: read the split, map, and write the partitioned,
// sorted (and combined) output to the worker's local disk.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "framework/src/runtime/task_control.h"
#include "framework/src/shuffle/map_output.h"
#include "framework/src/wire/messages.h"
#include "minimr/counters.h"
#include "minimr/job.h"

namespace minimr::runtime {

struct MapTaskOutput {
  std::string path;
  shuffle::PartitionIndex index;
  Counters counters;
};

// Runs the task's split of `files` (the job's input files). Writes the output to `output_path`,
// reporting progress through `control` and stopping with TaskKilled when it says so. Throws
// std::runtime_error (from the job's code or I/O) on failure.
MapTaskOutput RunMapTask(const wire::TaskSpec& task, const InputFiles& files,
                         const JobDefinition& job, const std::string& output_path,
                         const TaskControl& control);

}  // namespace minimr::runtime
