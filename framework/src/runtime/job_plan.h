// Cutting a job's input files into splits: one map task each.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "minimr/input.h"

namespace minimr::runtime {

struct JobPlan {
  InputFiles files;
  std::vector<InputSplit> splits;
  uint64_t input_bytes = 0;
};

// Cuts each file into splits of `split_size` bytes (the last one shorter), or one split per file
// when split_size is 0. Empty files get no split. Throws std::runtime_error naming a file that
// cannot be read.
JobPlan PlanJob(const std::vector<std::string>& paths, uint64_t split_size);

}  // namespace minimr::runtime
