// A directory of minimr's own for the life of one process: made fresh with mkdtemp (mode 0700, a
// name nobody could have created first) under a prefix that says what it is for, and locked with
// flock while its process lives. The process removes it when done; one that was killed cannot,
// so the next one made with the same prefix in the same parent first removes the unlocked ones
// of this user. (A worker's scratch directory, `minimr run`'s directory in TMPDIR, input being
// generated.)
#pragma once

#include <string>

namespace minimr {

class LockedTempDir {
 public:
  // Creates <parent>/<prefix>XXXXXX, having removed the abandoned ones beside it. Throws
  // std::runtime_error naming the path.
  LockedTempDir(const std::string& parent, const std::string& prefix);
  // Removes the directory and everything in it (Remove).
  ~LockedTempDir();
  // Removes the directory and everything in it now; path() still names it, so that a thread its
  // owner does not wait for fails on the missing directory rather than on a freed object. Moved
  // aside to <path>.removing first, so that such a thread cannot keep it by making a file after
  // the listing; a <path>.removing left by a process killed meanwhile is swept as abandoned.
  void Remove();
  // Leaves the directory where it is, for good: its lock file goes first, so that no sweep takes
  // it (a failed run's logs, which the user was told about).
  void Keep();
  LockedTempDir(const LockedTempDir&) = delete;
  LockedTempDir& operator=(const LockedTempDir&) = delete;

  const std::string& path() const { return path_; }
  // The name of the lock file in it, which is not the owner's to touch.
  static const char* LockFileName();

 private:
  std::string path_;
  int lock_fd_ = -1;
};

// Removes the directories in `parent` made with `prefix` whose process is gone: named as mkdtemp
// names them, this user's, mode 0700, with a lock file that nobody holds, or named so with
// ".removing" after it, or holding nothing or only the unnamed lock file ".lock.new", unlocked,
// a minute old (a process killed between mkdtemp and its lock). Returns how many. Never throws.
int RemoveAbandonedTempDirs(const std::string& parent, const std::string& prefix);

}  // namespace minimr
