#include "framework/src/runtime/scratch_dir.h"

#include "framework/src/util/private_dir.h"

namespace minimr::runtime {

namespace {

constexpr const char* kPrefix = "minimr-worker-";

const std::string& SafeParent(const std::string& parent) {
  CheckSafeParentDirectory(parent, "the work directory");
  return parent;
}

}  // namespace

ScratchDir::ScratchDir(const std::string& parent) : LockedTempDir(SafeParent(parent), kPrefix) {}

int RemoveAbandonedScratchDirs(const std::string& parent) {
  return RemoveAbandonedTempDirs(parent, kPrefix);
}

}  // namespace minimr::runtime
