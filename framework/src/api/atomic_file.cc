#include "minimr/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace minimr {

namespace {

// `path`'s directory, then "." + its name + ".tmp-" + this process's id + "-" + a number this
// process gives once: two writers of one path never share a temporary file.
std::string TemporaryPathFor(const std::string& path) {
  static std::atomic<uint64_t> made{0};
  const size_t slash = path.rfind('/');
  const size_t name = slash == std::string::npos ? 0 : slash + 1;
  return path.substr(0, name) + "." + path.substr(name) + ".tmp-" + std::to_string(::getpid()) +
         "-" + std::to_string(made++);
}

}  // namespace

AtomicFile::AtomicFile(std::string path, mode_t mode)
    : path_(std::move(path)), tmp_path_(TemporaryPathFor(path_)) {
  // A file left under this name by a process that had this pid goes; the new one is made here,
  // with this mode, never through a link someone put in its place.
  ::unlink(tmp_path_.c_str());
  const int fd =
      ::open(tmp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) Fail("cannot create");
  file_ = ::fdopen(fd, "wb");
  if (!file_) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp_path_.c_str());
    errno = err;
    Fail("cannot create");
  }
  std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
}

AtomicFile::~AtomicFile() {
  if (file_) {
    std::fclose(file_);
    ::unlink(tmp_path_.c_str());
  }
}

void AtomicFile::Write(std::string_view bytes) {
  if (!file_) throw std::logic_error(path_ + ": write after commit");
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    Fail("cannot write");
  }
  size_ += bytes.size();
  if (writeback_every_ > 0 && size_ - written_back_ >= writeback_every_) {
    if (std::fflush(file_) != 0) Fail("cannot write");
    // A hint: an error here comes back from Commit's fdatasync.
    ::sync_file_range(::fileno(file_), static_cast<off_t>(written_back_),
                      static_cast<off_t>(size_ - written_back_), SYNC_FILE_RANGE_WRITE);
    written_back_ = size_;
  }
}

void AtomicFile::Commit(bool durable) {
  if (!file_) throw std::logic_error(path_ + ": committed already");
  if (std::fflush(file_) != 0) Fail("cannot write");
  // An empty file (a job's _SUCCESS) has no data to sync; the sync would cost a flush of the
  // disk's cache (here ext4 without a journal), or a journal commit.
  if (durable && size_ > 0 && ::fdatasync(::fileno(file_)) != 0 && errno != EINVAL) {
    Fail("cannot write");
  }
  if (std::fclose(file_) != 0) {
    file_ = nullptr;
    ::unlink(tmp_path_.c_str());
    Fail("cannot write");
  }
  file_ = nullptr;
  if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp_path_.c_str());
    errno = err;
    Fail("cannot rename into place");
  }
}

void AtomicFile::Fail(const std::string& what) {
  throw std::runtime_error(path_ + ": " + what + ": " + std::strerror(errno));
}

void WriteFileAtomically(const std::string& path, std::string_view contents, mode_t mode,
                         bool durable) {
  AtomicFile file(path, mode);
  file.Write(contents);
  file.Commit(durable);
}

int RemoveLeftTemporaryFiles(const std::string& dir) {
  // ".NAME.png.tmp", ".NAME.svg.gp.tmp" and the like (plots), or ".NAME.tmp-PID-N".
  auto ends_with = [](const std::string& name, const std::string& end) {
    return name.size() > end.size() && name.compare(name.size() - end.size(), end.size(), end) == 0;
  };
  auto temporary = [&](const std::string& name) {
    if (name.size() < 6 || name[0] != '.') return false;
    for (const char* plot : {".png.tmp", ".svg.tmp", ".png.gp.tmp", ".svg.gp.tmp"}) {
      if (ends_with(name, plot)) return true;
    }
    const size_t tmp = name.rfind(".tmp-");
    if (tmp == std::string::npos) return false;
    const std::string numbers = name.substr(tmp + 5);
    const size_t dash = numbers.find('-');
    return dash != std::string::npos && dash > 0 && dash + 1 < numbers.size() &&
           numbers.find_first_not_of("0123456789-") == std::string::npos &&
           numbers.find('-', dash + 1) == std::string::npos;
  };
  int removed = 0;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    struct stat info;
    if (!temporary(name) || ::lstat(it->path().c_str(), &info) != 0 || !S_ISREG(info.st_mode) ||
        info.st_uid != ::getuid()) {
      continue;
    }
    if (::unlink(it->path().c_str()) == 0) ++removed;
  }
  return removed;
}

}  // namespace minimr
