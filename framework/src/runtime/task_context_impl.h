// The TaskContext a worker hands to the job's code.
#pragma once

#include <string>

#include "minimr/task_context.h"

namespace minimr::runtime {

class TaskContextImpl : public TaskContext {
 public:
  TaskContextImpl(Params params, std::string phase, int index)
      : params_(std::move(params)), phase_(std::move(phase)), index_(index) {}

  const Params& params() const override { return params_; }
  Counters& counters() override { return counters_; }
  const std::string& phase() const override { return phase_; }
  int task_index() const override { return index_; }

 private:
  Params params_;
  Counters counters_;
  std::string phase_;
  int index_;
};

}  // namespace minimr::runtime
