#include "minimr/generated_files.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "framework/src/util/locked_temp_dir.h"

namespace minimr {

namespace fs = std::filesystem;

namespace {

constexpr const char* kStagingPrefix = ".minimr-generating-";

// The signals that would end the process part-way through the move, held for its length: one
// that comes meanwhile ends the process once all the files are in.
class EndingSignalsHeld {
 public:
  EndingSignalsHeld() {
    sigset_t ending;
    sigemptyset(&ending);
    for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&ending, signal);
    ::pthread_sigmask(SIG_BLOCK, &ending, &saved_);
  }
  ~EndingSignalsHeld() { ::pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  EndingSignalsHeld(const EndingSignalsHeld&) = delete;
  EndingSignalsHeld& operator=(const EndingSignalsHeld&) = delete;

 private:
  sigset_t saved_;
};

}  // namespace

std::vector<std::string> MakeFilesTogether(const std::string& directory,
                                           const std::function<void(const std::string&)>& make) {
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
  EndingSignalsHeld held;
  for (const std::string& name : names) {
    const std::string to = parent + "/" + name;
    if (::renameat2(AT_FDCWD, (staging.path() + "/" + name).c_str(), AT_FDCWD, to.c_str(),
                    RENAME_NOREPLACE) != 0) {
      const int err = errno;
      throw std::runtime_error(
          "cannot move the generated " + name + " into " + parent + ": " +
          (err == EEXIST ? "a file of that name is there (made meanwhile by another run?); it "
                           "was left as it was, and none of the files that follow it were moved"
                         : std::string(std::strerror(err))));
    }
  }
  return names;
}

}  // namespace minimr
