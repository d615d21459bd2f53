#include "framework/src/util/locked_temp_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>

namespace minimr {

namespace fs = std::filesystem;

namespace {
constexpr const char* kLock = ".lock";
constexpr const char* kRemoving = ".removing";
constexpr const char* kLockUnnamed = ".lock.new";

// Whether `dir` holds nothing, or only a lock file that was never named, unlocked, either a
// minute old: what a process killed between mkdtemp and its lock leaves. (One a live process is
// making is seconds old at most, and locked the instant after its lock file appears.)
bool Unfinished(const fs::path& dir) {
  std::error_code ec;
  int entries = 0;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (++entries > 1 || it->path().filename() != kLockUnnamed) return false;
  }
  if (ec) return false;
  const std::string unnamed = (dir / kLockUnnamed).string();
  struct stat info;
  if (::lstat(entries == 0 ? dir.c_str() : unnamed.c_str(), &info) != 0 ||
      ::time(nullptr) - info.st_mtime < 60) {
    return false;
  }
  if (entries == 0) return true;
  if (!S_ISREG(info.st_mode)) return false;
  const int fd = ::open(unnamed.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  const bool unlocked = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  ::close(fd);
  return unlocked;
}
}  // namespace

LockedTempDir::LockedTempDir(const std::string& parent, const std::string& prefix) {
  RemoveAbandonedTempDirs(parent, prefix);
  std::string pattern = parent + "/" + prefix + "XXXXXX";
  if (!::mkdtemp(pattern.data())) {
    throw std::runtime_error("cannot create a directory " + pattern + ": " + std::strerror(errno));
  }
  path_ = pattern;
  // The lock file appears under its name already locked, so that no other process's sweep can
  // take a directory whose owner is alive for an abandoned one.
  std::string unnamed = path_ + "/" + kLockUnnamed;
  lock_fd_ = ::open(unnamed.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lock_fd_ < 0 || ::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0 ||
      ::rename(unnamed.c_str(), (path_ + "/" + kLock).c_str()) != 0) {
    int err = errno;
    if (lock_fd_ >= 0) ::close(lock_fd_);
    lock_fd_ = -1;
    std::error_code ignored;
    fs::remove_all(path_, ignored);
    throw std::runtime_error("cannot lock the directory " + path_ + ": " + std::strerror(err));
  }
}

LockedTempDir::~LockedTempDir() { Remove(); }

const char* LockedTempDir::LockFileName() { return kLock; }

void LockedTempDir::Remove() {
  if (lock_fd_ < 0) return;
  // Removed in place, a file that another thread made after remove_all's listing kept the
  // directory, without the lock file the sweep needs to take it. Moved aside, it can be reached
  // only by a path looked up before the rename: a second pass removes what such a lookup made.
  std::string removing = path_ + kRemoving;
  if (::rename(path_.c_str(), removing.c_str()) != 0) removing = path_;
  std::error_code ignored;
  for (int pass = 0; pass < 2 && fs::exists(removing, ignored); ++pass) {
    fs::remove_all(removing, ignored);
  }
  ::close(lock_fd_);  // only now: a sweep must not take the directory while it is in use
  lock_fd_ = -1;
}

void LockedTempDir::Keep() {
  if (lock_fd_ < 0) return;
  ::unlink((path_ + "/" + kLock).c_str());
  ::close(lock_fd_);
  lock_fd_ = -1;
}

int RemoveAbandonedTempDirs(const std::string& parent, const std::string& prefix) {
  int removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    // Only what mkdtemp makes: the prefix and six characters, a private directory of ours; or
    // that name moved aside by a process that was removing it (and killed before it had done).
    const size_t made = prefix.size() + 6;
    const bool moved_aside = name.size() == made + std::strlen(kRemoving) &&
                             name.compare(made, std::string::npos, kRemoving) == 0;
    if (name.rfind(prefix, 0) != 0 || (name.size() != made && !moved_aside)) continue;
    auto ours = [&] {
      struct stat info;
      return ::lstat(it->path().c_str(), &info) == 0 && S_ISDIR(info.st_mode) &&
             info.st_uid == ::getuid() && (info.st_mode & 0777) == 0700;
    };
    if (!moved_aside) {
      // The lock first: one system call passes over a directory kept for good, or being made.
      const std::string lock = (it->path() / kLock).string();
      const int fd = ::open(lock.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
      if (fd < 0 && !Unfinished(it->path())) continue;
      if (fd < 0) {  // its process was killed between mkdtemp and its lock
        if (!ours()) continue;
        std::error_code ignored;
        fs::remove_all(it->path(), ignored);
        ++removed;
        continue;
      }
      // Unlocked, and still the lock file: one that Keep() took away after the open above is
      // unlocked too, but its directory is kept for good.
      struct stat opened, named;
      const bool abandoned = ::flock(fd, LOCK_EX | LOCK_NB) == 0 && ::fstat(fd, &opened) == 0 &&
                             ::lstat(lock.c_str(), &named) == 0 && opened.st_ino == named.st_ino &&
                             opened.st_dev == named.st_dev;
      ::close(fd);
      if (!abandoned) continue;
    }
    if (!ours()) continue;
    std::error_code ignored;
    fs::remove_all(it->path(), ignored);
    ++removed;
  }
  return removed;
}

}  // namespace minimr
