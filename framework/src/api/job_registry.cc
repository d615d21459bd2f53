#include <map>
#include <stdexcept>

#include "minimr/job.h"

namespace minimr {
namespace {

// Built-in jobs register from static initializers, so the map is built on first use.
std::map<std::string, JobDefinition>& Registry() {
  static auto* registry = new std::map<std::string, JobDefinition>();
  return *registry;
}

}  // namespace

bool RegisterJob(const std::string& name, JobDefinition job) {
  if (!job.mapper || !job.reducer) {
    throw std::logic_error("job '" + name + "' needs a mapper and a reducer");
  }
  if (!Registry().emplace(name, std::move(job)).second) {
    throw std::logic_error("a job named '" + name + "' is already registered");
  }
  return true;
}

const JobDefinition* FindJob(const std::string& name) {
  auto it = Registry().find(name);
  return it == Registry().end() ? nullptr : &it->second;
}

std::vector<std::string> RegisteredJobs() {
  std::vector<std::string> names;
  for (const auto& entry : Registry()) names.push_back(entry.first);
  return names;
}

int HashPartitioner::Partition(std::string_view key, int partitions) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : key) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return static_cast<int>(hash % static_cast<uint64_t>(partitions));
}

}  // namespace minimr
