#include "framework/src/util/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace minimr {

AtomicFile::AtomicFile(std::string path)
    : path_(std::move(path)), tmp_path_(path_ + ".tmp-" + std::to_string(::getpid())) {
  file_ = std::fopen(tmp_path_.c_str(), "wbe");
  if (!file_) Fail("cannot create");
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
}

void AtomicFile::Commit(bool durable) {
  if (std::fflush(file_) != 0) Fail("cannot write");
  if (durable && ::fdatasync(::fileno(file_)) != 0) Fail("cannot write");
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

void WriteFileAtomically(const std::string& path, std::string_view contents) {
  AtomicFile file(path);
  file.Write(contents);
  file.Commit();
}

}  // namespace minimr
