#include "pidigits/kanada_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace minimr::pidigits {
namespace {

constexpr size_t kGroup = 10;
constexpr size_t kLine = 100;
constexpr size_t kBufferBytes = 1 << 20;

std::string ErrnoText(int err) { return std::strerror(err); }

// "10k", "150m", "2000b" when the suffix the size calls for is exact, else all digits.
std::string CompactTotal(uint64_t n) {
  static constexpr struct {
    uint64_t unit;
    char suffix;
  } kUnits[] = {{1000000000, 'b'}, {1000000, 'm'}, {1000, 'k'}};
  for (const auto& u : kUnits) {
    if (n >= u.unit) {
      return n % u.unit == 0 ? std::to_string(n / u.unit) + u.suffix : std::to_string(n);
    }
  }
  return std::to_string(n);
}

std::string ZeroPadded(int value, size_t width) {
  std::string s = std::to_string(value);
  return std::string(width > s.size() ? width - s.size() : 0, '0') + s;
}

// A file being written under a temporary name next to its final path. Commit() makes it
// durable and renames it into place; destroying it uncommitted removes it.
class PendingFile {
 public:
  // Creates the temporary file. Throws std::runtime_error naming `path` on failure.
  explicit PendingFile(const std::string& path) : path_(path) {
    const std::filesystem::path p(path);
    std::string tmpl = (p.parent_path() / ("." + p.filename().string() + ".tmp.XXXXXX")).string();
    fd_ = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd_ < 0) Fail("cannot create a temporary file " + tmpl, errno);
    tmp_path_ = tmpl;
    if (::fchmod(fd_, 0644) != 0) {  // mkstemp makes it 0600
      int err = errno;
      Discard();
      Fail("cannot set the mode of " + tmpl, err);
    }
  }
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;
  ~PendingFile() { Discard(); }

  // Appends all of `data`. Throws std::runtime_error naming the path on failure.
  void Write(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) Fail("cannot write " + tmp_path_, errno);
      data.remove_prefix(static_cast<size_t>(n));
    }
  }

  // Flushes the data to disk and renames the file to its final path.
  void Commit() {
    if (::fsync(fd_) != 0) Fail("cannot flush " + tmp_path_, errno);
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) Fail("cannot close " + tmp_path_, errno);
    if (::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
      Fail("cannot rename " + tmp_path_ + " into place", errno);
    }
    tmp_path_.clear();
  }

 private:
  void Discard() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!tmp_path_.empty()) ::unlink(tmp_path_.c_str());
    tmp_path_.clear();
  }

  [[noreturn]] void Fail(const std::string& what, int err) {
    throw std::runtime_error(path_ + ": " + what + ": " + ErrnoText(err));
  }

  const std::string path_;
  std::string tmp_path_;  // empty once renamed, or if never created
  int fd_ = -1;
};

// Writes `part` to `path` in the Kanada layout, lines counted from the part's first digit.
void WritePart(std::string_view part, const std::string& path) {
  PendingFile file(path);
  std::string buffer;
  buffer.reserve(kBufferBytes + kLine + kLine / kGroup);
  for (size_t i = 0; i < part.size(); i += kGroup) {
    const size_t n = std::min(kGroup, part.size() - i);
    buffer.append(part.substr(i, n));
    const size_t end = i + n;
    buffer.push_back(end == part.size() || end % kLine == 0 ? '\n' : ' ');
    if (buffer.size() >= kBufferBytes) {
      file.Write(buffer);
      buffer.clear();
    }
  }
  file.Write(buffer);
  file.Commit();
}

// Makes the renames in `dir` durable.
void SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    int err = errno;
    if (fd >= 0) ::close(fd);
    throw std::runtime_error(dir + ": cannot flush the directory: " + ErrnoText(err));
  }
  ::close(fd);
}

}  // namespace

std::string KanadaFileName(uint64_t total_digits, int index, int files) {
  if (files < 1 || index < 1 || index > files) {
    throw std::invalid_argument("KanadaFileName: index " + std::to_string(index) +
                                " is not in 1.." + std::to_string(files));
  }
  const size_t width = std::max<size_t>(2, std::to_string(files).size());
  return "pi" + CompactTotal(total_digits) + ".ascii." + ZeroPadded(index, width) + "of" +
         ZeroPadded(files, width);
}

std::vector<std::string> WriteKanadaFiles(std::string_view digits, int files,
                                          const std::string& dir,
                                          const std::function<void(double)>& progress) {
  if (files < 1) {
    throw std::invalid_argument("WriteKanadaFiles: files must be at least 1, not " +
                                std::to_string(files));
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error(dir + ": cannot create the directory: " + ec.message());

  // Part k starts at floor(k N / K) = k q + floor(k r / K) for N = q K + r, without overflow.
  const uint64_t n = digits.size();
  const uint64_t count = static_cast<uint64_t>(files);
  auto start = [&](uint64_t k) { return k * (n / count) + k * (n % count) / count; };
  std::vector<std::string> paths;
  for (uint64_t k = 0; k < count; ++k) {
    const std::string name = KanadaFileName(n, static_cast<int>(k + 1), files);
    paths.push_back((std::filesystem::path(dir) / name).string());
    WritePart(digits.substr(start(k), start(k + 1) - start(k)), paths.back());
    if (progress) progress(static_cast<double>(k + 1) / static_cast<double>(count));
  }
  SyncDirectory(dir);
  return paths;
}

}  // namespace minimr::pidigits
