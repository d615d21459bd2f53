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
  shuffle::RunFile output;  // its file, or its bytes when kept in memory
  Counters counters;
};

// Runs the task's split of `files` (the job's input files). Writes the output to `output_path`,
// or keeps it in memory if it never spilled and needs at most `memory_limit` bytes; reports
// progress through `control` and stops with TaskKilled when it says so. Throws
// std::runtime_error (from the job's code or I/O) on failure.
MapTaskOutput RunMapTask(const wire::TaskSpec& task, const InputFiles& files,
                         const JobDefinition& job, const std::string& output_path,
                         uint64_t memory_limit, const TaskControl& control);

}  // namespace minimr::runtime
