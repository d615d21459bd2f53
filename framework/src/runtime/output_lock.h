// One job at a time per output directory: an flock on the lock file ".NAME.minimr-lock" beside
// output NAME. The master holds it from admitting a job until its output is committed (or the job
// ends otherwise); the client that runs the job's report holds it while it writes the report, and
// `minimr report` too. The lock file stays (removing it would let two holders lock two files); it
// says who locked it last, for the message the next one gets.
#pragma once

#include <stdexcept>
#include <string>

namespace minimr::runtime {

// The output is locked by someone else: what() reads "output DIR is being written by another job
// (pid N on HOST)".
class OutputBusy : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class OutputLock {
 public:
  // Takes the lock of `output_dir` without waiting and notes "pid N on HOST" in it. Throws
  // OutputBusy if another process (or another OutputLock in this one) holds it, and
  // std::runtime_error naming the lock file if it cannot be made.
  explicit OutputLock(const std::string& output_dir);
  // Releases the lock.
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

  // The lock file's path.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

// The lock file of `output_dir`: <parent>/.<name>.minimr-lock.
std::string OutputLockPath(const std::string& output_dir);

}  // namespace minimr::runtime
