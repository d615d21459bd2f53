// An flock on a lock file that stays in place (removing it would let two holders lock two
// files), noting who holds it: "pid N on HOST", for the message the next one gets.
#pragma once

#include <stdexcept>
#include <string>

namespace minimr {

// The lock is held by another process, or by another FileLock of this one.
class FileLockBusy : public std::runtime_error {
 public:
  // `holder`: "pid N on HOST", or "" if the holder had not yet said.
  explicit FileLockBusy(const std::string& holder)
      : std::runtime_error(holder.empty() ? "held by a process just starting" : holder),
        holder_(holder) {}
  const std::string& holder() const { return holder_; }

 private:
  std::string holder_;
};

class FileLock {
 public:
  // Takes the lock on `path` without waiting, making the file (0644, never through a symbolic
  // link) if it is missing. Throws FileLockBusy if it is held, std::runtime_error naming the path
  // and why if it cannot be made or locked.
  explicit FileLock(const std::string& path);
  // Releases the lock; the file stays.
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

// Whether `path` is locked by a FileLock now (of this process or another). Never throws: false if
// the file is missing or cannot be opened.
bool IsLocked(const std::string& path);

}  // namespace minimr
