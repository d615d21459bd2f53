// A worker's private scratch directory: a LockedTempDir (util/locked_temp_dir.h) named
// minimr-worker-XXXXXX, in a work directory no other user can write (or a sticky one, as /tmp);
// its files are 0600. Every new worker first removes the ones of killed workers beside its own.
#pragma once

#include <string>

#include "framework/src/util/locked_temp_dir.h"

namespace minimr::runtime {

class ScratchDir : public LockedTempDir {
 public:
  // Creates <parent>/minimr-worker-XXXXXX. Throws std::runtime_error naming the path; refuses a
  // parent that another user owns or may write (CheckSafeParentDirectory).
  explicit ScratchDir(const std::string& parent);
};

// Removes the scratch directories in `parent` whose worker is gone (RemoveAbandonedTempDirs).
// Returns how many. Never throws.
int RemoveAbandonedScratchDirs(const std::string& parent);

}  // namespace minimr::runtime
