#include "framework/src/runtime/job_plan.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace minimr::runtime {

JobPlan PlanJob(const std::vector<std::string>& paths, uint64_t split_size) {
  JobPlan plan;
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
    for (uint64_t offset = 0; offset < size; offset += step) {
      plan.splits.push_back({static_cast<int>(i), offset, std::min(step, size - offset)});
    }
  }
  return plan;
}

}  // namespace minimr::runtime
