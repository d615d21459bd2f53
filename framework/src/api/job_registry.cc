#include <stdexcept>

#include "framework/src/api/job_table.h"
#include "minimr/job.h"

namespace minimr {
namespace {

thread_local JobTable* capture = nullptr;

}  // namespace

void JobTable::Add(const std::string& name, std::function<JobDefinition()> define) {
  std::lock_guard lock(mutex_);
  Entry& entry = entries_[name];
  if (entry.registrations++ == 0) entry.define = std::move(define);
}

const JobDefinition* JobTable::Find(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(name);
  if (it == entries_.end()) return nullptr;
  Entry& entry = it->second;
  if (entry.registrations > 1) {
    throw std::runtime_error("job '" + name + "' is registered " +
                             std::to_string(entry.registrations) + " times");
  }
  if (!entry.definition) {
    JobDefinition job;
    try {
      job = entry.define();
    } catch (const std::exception& e) {
      throw std::runtime_error("job '" + name + "': its definition threw: " + e.what());
    } catch (...) {
      throw std::runtime_error("job '" + name + "': its definition threw something unknown");
    }
    if (!job.mapper || !job.reducer) {
      throw std::runtime_error("job '" + name + "' has no " + (job.mapper ? "reducer" : "mapper"));
    }
    entry.definition = std::make_unique<JobDefinition>(std::move(job));
  }
  return entry.definition.get();
}

std::vector<std::string> JobTable::Names() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  for (const auto& entry : entries_) names.push_back(entry.first);
  return names;
}

JobTable& BuiltInJobs() {
  // Built-in jobs register from static initializers, so the table is made on first use.
  static auto* table = new JobTable();
  return *table;
}

RegistrationCapture::RegistrationCapture(JobTable* table) : previous_(capture) {
  capture = table;
}

RegistrationCapture::~RegistrationCapture() { capture = previous_; }

bool RegisterJob(const std::string& name, std::function<JobDefinition()> define) {
  (capture ? *capture : BuiltInJobs()).Add(name, std::move(define));
  return true;
}

const JobDefinition* FindJob(const std::string& name) { return BuiltInJobs().Find(name); }

std::vector<std::string> RegisteredJobs() { return BuiltInJobs().Names(); }

int HashPartitioner::Partition(std::string_view key, int partitions) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : key) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return static_cast<int>(hash % static_cast<uint64_t>(partitions));
}

}  // namespace minimr
