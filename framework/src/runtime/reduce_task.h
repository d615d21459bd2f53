// Running one reduce task attempt on a worker: fetch the task's partition of every map output,
// merge them, reduce, and commit part-r-NNNNN into the job's staging directory.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "framework/src/wire/handshake.h"
#include "framework/src/wire/messages.h"
#include "minimr/counters.h"
#include "minimr/job.h"

namespace minimr::runtime {

// The name of reduce task `index`'s output file: part-r-00003.
std::string PartFileName(int index);

// Fetched partitions larger than memory allows go to files in `scratch_dir`. Returns the task's
// counters; throws std::runtime_error naming the map output or file on failure.
Counters RunReduceTask(const wire::TaskSpec& task, const JobDefinition& job, const wire::Key& key,
                       const std::string& scratch_dir);

// Fetches partition `partition` of a map output from its worker, handing each piece to `sink`
// as it arrives. Returns the partition's size. Throws std::runtime_error naming the worker and
// map task on failure.
uint64_t FetchPartition(const wire::MapOutputLocation& from, uint64_t job_id, int partition,
                        const wire::Key& key, const std::function<void(std::string_view)>& sink);

}  // namespace minimr::runtime
