#include "framework/src/runtime/output_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace minimr::runtime {

namespace fs = std::filesystem;

std::string OutputLockPath(const std::string& output_dir) {
  const fs::path dir(output_dir);
  return (dir.parent_path() / ("." + dir.filename().string() + ".minimr-lock")).string();
}

OutputLock::OutputLock(const std::string& output_dir) : path_(OutputLockPath(output_dir)) {
  if (!fs::path(output_dir).has_filename()) {
    throw std::runtime_error("output.dir " + output_dir + " has no name to lock it by");
  }
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd_ < 0) {
    throw std::runtime_error("cannot lock output.dir " + output_dir + ": " + path_ + ": " +
                             std::strerror(errno));
  }
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    const int err = errno;
    std::string holder;
    if (err == EWOULDBLOCK) {
      char text[256];
      const ssize_t n = ::pread(fd_, text, sizeof text - 1, 0);
      if (n > 0) holder.assign(text, static_cast<size_t>(n));
      holder = holder.substr(0, holder.find('\n'));
    }
    ::close(fd_);
    fd_ = -1;
    if (err != EWOULDBLOCK) {
      throw std::runtime_error("cannot lock output.dir " + output_dir + ": " + path_ + ": " +
                               std::strerror(err));
    }
    throw OutputBusy("output " + output_dir + " is being written by another job (" +
                     (holder.empty() ? "its holder is just starting" : holder) +
                     "); wait for it to finish, or choose another output.dir");
  }
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  const std::string holder = "pid " + std::to_string(::getpid()) + " on " + host + "\n";
  // Who holds it, for the next one's message; the lock works without it.
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] ssize_t ignored = ::pwrite(fd_, holder.data(), holder.size(), 0);
  }
}

OutputLock::~OutputLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace minimr::runtime
