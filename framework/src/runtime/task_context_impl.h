// The TaskContext a worker hands to the job's code.
#pragma once

#include <string>

#include "minimr/input.h"
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

  const std::string& input_file() const override {
    if (!files_ || files_->paths.empty()) return no_file_;
    int index = reader_ ? reader_->current_file() : -1;
    return files_->paths.at(index < 0 ? split_.file_index : index);
  }
  const InputSplit& input_split() const override { return split_; }
  bool past_split_end() const override { return reader_ && reader_->past_split_end(); }

  // Map tasks: what input_file() and past_split_end() answer from. `files` must outlive this.
  void SetInput(const InputFiles* files, const InputSplit& split) {
    files_ = files;
    split_ = split;
  }
  void SetReader(const RecordReader* reader) { reader_ = reader; }

 private:
  Params params_;
  Counters counters_;
  std::string phase_;
  int index_;
  const InputFiles* files_ = nullptr;
  InputSplit split_;
  const RecordReader* reader_ = nullptr;
  std::string no_file_;
};

}  // namespace minimr::runtime
