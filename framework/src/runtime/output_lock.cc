#include "framework/src/runtime/output_lock.h"

#include <filesystem>

namespace minimr::runtime {

namespace fs = std::filesystem;

std::string OutputLockPath(const std::string& output_dir) {
  const fs::path dir(output_dir);
  if (!dir.has_filename()) {
    throw std::runtime_error("output.dir " + output_dir + " has no name to lock it by");
  }
  return (dir.parent_path() / ("." + dir.filename().string() + ".minimr-lock")).string();
}

OutputLock::OutputLock(const std::string& output_dir) try : lock_(OutputLockPath(output_dir)) {
} catch (const FileLockBusy& busy) {
  throw OutputBusy("output " + output_dir + " is being written by another job (" + busy.what() +
                   "); wait for it to finish, or choose another output.dir");
}

}  // namespace minimr::runtime
