// The Grid Engine commands minimr uses (qsub, qstat, qdel), run as processes and their output
// read. Every call has a deadline and reports failures with the command's own words.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace minimr::launcher {

struct SgeTask {
  std::string job_id;
  int task = 0;       // array task index; 0 for a job that is not an array
  std::string state;  // qstat's letters: "r", "qw", "Eqw", "t", "dr", ...
  std::string host;   // where it runs ("" while pending)
};

class GridEngine {
 public:
  // Whether qsub is on the PATH.
  static bool Available();
  // Runs `qsub -terse ARGS` and returns the job id ("12" from "12.1-4:1"). Throws
  // std::runtime_error with qsub's message if it refuses.
  static std::string Submit(const std::vector<std::string>& args);
  // Every task of `job_ids` that qstat still lists (pending, running, in error), one per array
  // task. Throws std::runtime_error if qstat fails.
  static std::vector<SgeTask> Tasks(const std::vector<std::string>& job_ids);
  // qdel of a job ("12") or one task ("12.3"); failures are ignored (it may have ended).
  static void Delete(const std::string& job_or_task);
  // `qstat -j JOB`'s lines about why it waits or failed, for messages; "" if none.
  static std::string Explain(const std::string& job_id);
  // From the accounting (qacct), whether a task that ended was deleted or killed (qdel, a
  // signal) rather than ending by itself: true or false, or -1 while there is no record yet.
  static int WasDeleted(const std::string& job_id, int task);
};

}  // namespace minimr::launcher
