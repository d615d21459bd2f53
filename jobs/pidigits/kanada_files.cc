#include "pidigits/kanada_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "minimr/atomic_file.h"

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

// Writes `part` to `path` in the Kanada layout, lines counted from the part's first digit.
void WritePart(std::string_view part, const std::string& path) {
  AtomicFile file(path);
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
