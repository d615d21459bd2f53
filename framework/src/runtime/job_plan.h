// Cutting a job's input files into splits: one map task each.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "minimr/input.h"
#include "minimr/job.h"

namespace minimr::runtime {

struct JobPlan {
  InputFiles files;
  std::vector<InputSplit> splits;
  uint64_t input_bytes = 0;
};

// The most map tasks a job may have: at some 3,000 tasks a second, five minutes of scheduling
// alone, and some 100 MB of the master's memory.
constexpr uint64_t kMaxMapTasks = 1'000'000;

// Cuts each file into splits of `split_size` bytes (the last one shorter), or one split per file
// when split_size is 0. Empty files get no split. Throws std::runtime_error naming a file that
// cannot be read, or input.split_size when it would make more than kMaxMapTasks splits.
JobPlan PlanJob(const std::vector<std::string>& paths, uint64_t split_size);

// The plan of `job` with `params` (resolved): its synthetic splits if it declares them (then
// `paths` must be empty), else PlanJob(paths, split_size). Throws std::runtime_error for input
// files given to a job that makes its own, and for a synthetic split that is not one.
JobPlan PlanJob(const JobDefinition& job, const Params& params,
                const std::vector<std::string>& paths, uint64_t split_size);

}  // namespace minimr::runtime
