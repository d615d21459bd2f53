// What a running task can see of its job.
#pragma once

#include <string>

#include "minimr/counters.h"
#include "minimr/params.h"

namespace minimr {

class TaskContext {
 public:
  virtual ~TaskContext() = default;

  virtual const Params& params() const = 0;
  // The counters of this task attempt; summed into the job's totals if the attempt succeeds.
  virtual Counters& counters() = 0;
  // "map" or "reduce", and the task's number within its phase (0-based).
  virtual const std::string& phase() const = 0;
  virtual int task_index() const = 0;
};

}  // namespace minimr
