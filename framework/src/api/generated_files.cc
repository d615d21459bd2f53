#include "minimr/generated_files.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "framework/src/util/locked_temp_dir.h"
#include "framework/src/util/signals_held.h"

namespace minimr {

namespace fs = std::filesystem;

namespace {

constexpr const char* kStagingPrefix = ".minimr-generating-";

// Renames `from` to `to`, never over an existing `to` unless `replace`. Returns 0 or an errno.
// NFS (and Lustre, older OpenZFS) refuse RENAME_NOREPLACE with EINVAL: there a hard link, which
// fails on an existing name as well, then an unlink of the old name do the same.
int MoveFile(const std::string& from, const std::string& to, bool replace) {
  if (replace) return ::rename(from.c_str(), to.c_str()) == 0 ? 0 : errno;
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return errno;
  if (::link(from.c_str(), to.c_str()) != 0) return errno;
  ::unlink(from.c_str());
  return 0;
}

}  // namespace

std::vector<std::string> MakeFilesTogether(const std::string& directory,
                                           const std::function<void(const std::string&)>& make,
                                           ExistingFiles existing) {
  const std::string parent = directory.empty() ? "." : directory;
  std::error_code made;
  fs::create_directories(parent, made);
  if (made) throw std::runtime_error(parent + ": cannot create: " + made.message());
  LockedTempDir staging(parent, kStagingPrefix);
  make(staging.path());

  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(staging.path())) {
    std::string name = entry.path().filename().string();
    if (name != LockedTempDir::LockFileName()) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  // Held until the private directory is gone too: a signal let in before that would end the
  // process with it left behind, and the next run, finding its input, would never sweep it.
  // (The signals that would end the process part-way.)
  SignalsHeld held({SIGINT, SIGTERM, SIGHUP, SIGQUIT});
  for (size_t i = 0; i < names.size(); ++i) {
    const int err = MoveFile(staging.path() + "/" + names[i], parent + "/" + names[i],
                             existing == ExistingFiles::kReplace);
    if (err == 0) continue;
    // None of them, then: those moved in go back (under names nobody else makes).
    for (size_t back = 0; back < i; ++back) {
      ::rename((parent + "/" + names[back]).c_str(), (staging.path() + "/" + names[back]).c_str());
    }
    staging.Remove();
    throw std::runtime_error(
        "cannot move the generated " + names[i] + " into " + parent + ": " +
        (err == EEXIST ? "a file of that name is there (made meanwhile by another run?); it was "
                         "left as it was, and none of the generated files was moved in"
                       : std::string(std::strerror(err)) + "; none of the generated files was "
                                                           "moved in"));
  }
  staging.Remove();
  return names;
}

}  // namespace minimr
