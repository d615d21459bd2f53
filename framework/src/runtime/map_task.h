// Running one map task attempt on a worker: read the split, map, and write the partitioned,
// sorted (and combined) output to the worker's local disk.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

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

// Writes the output to `output_path`. `bytes_read` follows the input read so far. Throws
// std::runtime_error (from the job's code or I/O) on failure.
MapTaskOutput RunMapTask(const wire::TaskSpec& task, const JobDefinition& job,
                         const std::string& output_path, std::atomic<uint64_t>* bytes_read);

}  // namespace minimr::runtime
