#include "framework/src/runtime/job_plan.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace minimr::runtime {

JobPlan PlanJob(const std::vector<std::string>& paths, uint64_t split_size) {
  JobPlan plan;
  uint64_t tasks = 0;
  for (size_t i = 0; i < paths.size(); ++i) {
    const std::string& path = paths[i];
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || ::access(path.c_str(), R_OK) != 0) {
      throw std::runtime_error(path + ": cannot read input: " + std::strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) throw std::runtime_error(path + ": input is not a regular file");
    uint64_t size = static_cast<uint64_t>(st.st_size);
    plan.files.paths.push_back(path);
    plan.files.sizes.push_back(size);
    plan.input_bytes += size;
    uint64_t step = split_size == 0 ? size : split_size;
    // Counted before they are made: a split size of a few bytes (64 meant as 64MiB) would make
    // tens of millions, and the master's memory with them.
    tasks += step == 0 ? 0 : (size + step - 1) / step;
    if (tasks > kMaxMapTasks) {
      const std::string most = std::to_string(kMaxMapTasks) + " map tasks, the most a job may have";
      throw std::runtime_error(
          split_size == 0 || tasks <= i + 1
              ? "input.paths matches more than " + most.substr(0, most.find(' ')) +
                    " non-empty files, a map task each at least: more than " + most +
                    "; give the job fewer, larger files"
              : "input.split_size " + std::to_string(split_size) +
                    " bytes cuts the input into more than " + most +
                    ": choose a larger one (such as 64MiB, or file for one task per file)");
    }
    for (uint64_t offset = 0; offset < size; offset += step) {
      plan.splits.push_back({static_cast<int>(i), offset, std::min(step, size - offset)});
    }
  }
  return plan;
}

JobPlan PlanJob(const JobDefinition& job, const Params& params,
                const std::vector<std::string>& paths, uint64_t split_size) {
  if (!job.synthetic_splits) return PlanJob(paths, split_size);
  if (!paths.empty()) {
    throw std::runtime_error("the job makes its own input (synthetic splits) and reads no "
                             "input files, but " +
                             std::to_string(paths.size()) + " were given");
  }
  JobPlan plan;
  plan.splits = job.synthetic_splits(params);
  for (const InputSplit& split : plan.splits) {
    if (split.file_index != kSyntheticSplit) {
      throw std::runtime_error("the job's synthetic_splits returned a split of input file " +
                               std::to_string(split.file_index) +
                               "; its splits must have file_index kSyntheticSplit");
    }
  }
  return plan;
}

}  // namespace minimr::runtime
