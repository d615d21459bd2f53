// One job at a time per output directory: a FileLock on ".NAME.minimr-lock" beside output NAME.
// The master holds it from admitting a job until its output is committed (or the job ends
// otherwise); the client that runs the job's report holds it while it writes the report, and
// `minimr report` too.
#pragma once

#include <stdexcept>
#include <string>

#include "framework/src/util/file_lock.h"

namespace minimr::runtime {

// The output is locked by someone else: what() reads "output DIR is being written by another job
// (pid N on HOST); ...".
class OutputBusy : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class OutputLock {
 public:
  // Takes the lock of `output_dir` without waiting. Throws OutputBusy if another holds it (another
  // process, or another OutputLock in this one), std::runtime_error naming the lock file if it
  // cannot be made.
  explicit OutputLock(const std::string& output_dir);

  const std::string& path() const { return lock_.path(); }

 private:
  FileLock lock_;
};

// The lock file of `output_dir`: <parent>/.<name>.minimr-lock. Throws std::runtime_error for a
// path without a name (the root).
std::string OutputLockPath(const std::string& output_dir);

}  // namespace minimr::runtime
