// What a running task can see of its job.
#pragma once

#include <string>

#include "minimr/counters.h"
#include "minimr/params.h"

namespace minimr {

struct InputSplit;

class TaskContext {
 public:
  virtual ~TaskContext() = default;

  virtual const Params& params() const = 0;
  // The counters of this task attempt; summed into the job's totals if the attempt succeeds.
  virtual Counters& counters() = 0;
  // "map" or "reduce", and the task's number within its phase (0-based).
  virtual const std::string& phase() const = 0;
  virtual int task_index() const = 0;

  // Map tasks only (reduce tasks: "" and an empty split). The input file the current record
  // comes from, as the job listed it (Hadoop's map.input.file); it changes when a reader reads
  // past the end of its split into the next file.
  virtual const std::string& input_file() const = 0;
  // The split this task reads.
  virtual const InputSplit& input_split() const = 0;
  // True while the current record lies past the split's end: bytes a reader adds to finish a
  // record or a window that starts inside the split (see OverlapInputFormat).
  virtual bool past_split_end() const = 0;
};

}  // namespace minimr
