// The jobs registered by one body of code: the built-in jobs, or one loaded plugin. Jobs are
// defined lazily (see RegisterJob), so a definition that throws is an error of the lookup.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "minimr/job.h"

namespace minimr {

class JobTable {
 public:
  // Adds a job; a name added twice is an error when it is looked up.
  void Add(const std::string& name, std::function<JobDefinition()> define);
  // Returns the job, defining it on first use; nullptr if no job has that name. Throws
  // std::runtime_error naming the job if its definition throws, lacks a mapper or reducer, or
  // the name was registered twice.
  const JobDefinition* Find(const std::string& name) const;
  std::vector<std::string> Names() const;
  bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    std::function<JobDefinition()> define;
    int registrations = 0;
    std::unique_ptr<JobDefinition> definition;  // once defined
  };
  mutable std::mutex mutex_;
  mutable std::map<std::string, Entry> entries_;
};

// The built-in jobs: those registered while no RegistrationCapture is active.
JobTable& BuiltInJobs();

// While one is alive, RegisterJob calls on this thread go into `table` instead of the built-in
// jobs: a plugin's static initializers run while it is being loaded.
class RegistrationCapture {
 public:
  explicit RegistrationCapture(JobTable* table);
  ~RegistrationCapture();
  RegistrationCapture(const RegistrationCapture&) = delete;
  RegistrationCapture& operator=(const RegistrationCapture&) = delete;

 private:
  JobTable* previous_;
};

}  // namespace minimr
