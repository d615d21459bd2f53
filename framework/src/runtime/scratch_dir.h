// A worker's private scratch directory: made fresh with mkdtemp (mode 0700, a name nobody could
// have created first) in a work directory no other user can write (or a sticky one, as /tmp), and
// locked with flock while its worker lives; its files are 0600. The worker removes it when it
// exits; one that was killed cannot, so every new worker first removes the unlocked scratch
// directories of this user beside its own.
#pragma once

#include <string>

namespace minimr::runtime {

class ScratchDir {
 public:
  // Creates <parent>/minimr-worker-XXXXXX. Throws std::runtime_error naming the path; refuses a
  // parent that another user owns or may write (CheckSafeParentDirectory).
  explicit ScratchDir(const std::string& parent);
  // Removes the directory and everything in it (Remove).
  ~ScratchDir();
  // Removes the directory and everything in it now; path() still names it, so that a task thread
  // its worker does not wait for fails on the missing directory rather than on a freed object.
  // Moved aside to <path>.removing first, so that such a thread cannot keep it by making a file
  // after the listing; a <path>.removing left by a worker killed meanwhile is swept as abandoned.
  void Remove();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int lock_fd_ = -1;
};

// Removes the scratch directories in `parent` whose worker is gone: named as mkdtemp names them,
// this user's, mode 0700, with a lock file that nobody holds, or named so with ".removing" after
// it. Returns how many. Never throws.
// (A worker killed between mkdtemp and its lock leaves an empty directory that stays.)
int RemoveAbandonedScratchDirs(const std::string& parent);

}  // namespace minimr::runtime
