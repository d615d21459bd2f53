#include "framework/src/runtime/job_output.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "framework/src/runtime/reduce_task.h"
#include "framework/src/util/random_bytes.h"
#include "minimr/atomic_file.h"
#include "minimr/hex.h"
#include "minimr/number_parse.h"

namespace minimr::runtime {

namespace fs = std::filesystem;

namespace {

constexpr const char* kTemporary = "_temporary";
constexpr size_t kMaxMarkerBytes = 4096;
constexpr uintmax_t kMaxJobJsonBytes = 256 << 20;

std::string HostName() {
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  return host;
}

// ".out.minimr-" for output dir ".../out": every staging directory of that output starts so.
std::string StagingPrefix(const fs::path& output_dir) {
  return "." + output_dir.filename().string() + ".minimr-";
}

// The contents of `path` if it is a regular file (not a link) of at most `limit` bytes.
std::optional<std::string> ReadSmallFile(const fs::path& path, uintmax_t limit) {
  struct stat info;
  if (::lstat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode) ||
      static_cast<uintmax_t>(info.st_size) > limit) {
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return std::nullopt;
  return text.str();
}

bool IsEmptyDirectory(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(fs::symlink_status(dir, ec)) && fs::is_empty(dir, ec) && !ec;
}

// Whether `name` is one minimr writes in a staging directory: part files (and their temporary
// names), _temporary/, the marker, job.json and _SUCCESS.
bool IsStagingEntry(const std::string& name) {
  return name == kTemporary || name == kOutputMarker || name == "job.json" || name == "_SUCCESS" ||
         name.rfind("part-r-", 0) == 0 || name.find(".tmp-") != std::string::npos;
}

// Makes the renames in `dir` durable (0.1-0.2 ms here): the swap, and on a journalling file
// system all that the commit did before it. Best effort: the swap has happened either way.
void SyncDirectory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Whether a file system is mounted at `path` (of device `dev`): statx says so (a bind mount on
// the same disk too); where it cannot (before Linux 5.8), a device other than its parent's.
bool IsMountPoint(const fs::path& path, dev_t dev) {
  struct statx info {};
  if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, 0, &info) == 0 &&
      (info.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) != 0) {
    return (info.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
  }
  struct stat parent {};
  return ::stat(path.parent_path().c_str(), &parent) == 0 && parent.st_dev != dev;
}

// Whether the directory at `path` (a staging directory, or what a swap put there) holds only what
// minimr made: a staging directory at any step of its job, a committed output, or nothing.
bool HoldsOnlyOurs(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(path, ec))) return false;
  if (!OutputIdOf(path.string()).empty()) return true;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    if (!IsStagingEntry(it->path().filename().string())) return false;
  }
  return !ec;
}

}  // namespace

std::string NewOutputId() {
  unsigned char bytes[16];
  FillRandom(bytes, sizeof bytes);
  return Hex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

std::string OutputIdOf(const std::string& dir, std::string* why_not) {
  auto none = [why_not](const std::string& why) {
    if (why_not) *why_not = why;
    return std::string();
  };
  struct stat info;
  if (::lstat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) return none("not a directory");
  std::optional<std::string> marker = ReadSmallFile(fs::path(dir) / kOutputMarker, kMaxMarkerBytes);
  if (!marker) return none(std::string("it has no readable ") + kOutputMarker + " marker");
  std::string id = marker->substr(0, marker->find('\n'));
  if (id.empty()) return none(std::string("its ") + kOutputMarker + " marker is empty");
  std::optional<std::string> record = ReadSmallFile(fs::path(dir) / "job.json", kMaxJobJsonBytes);
  if (!record) return none("it has no readable job.json");
  try {
    const auto json = nlohmann::json::parse(*record);
    if (json.is_object() && json.value("output_id", "") == id) return id;
  } catch (const std::exception& e) {
    const std::string what = e.what();  // without the parser's quote of what it last read
    return none("its job.json is malformed (cut short?): " +
                what.substr(0, what.find("; last read")));
  }
  return none(std::string("its job.json does not name the output id of its ") + kOutputMarker +
              " marker");
}

void CheckOutputDir(const std::string& output_dir, bool overwrite) {
  fs::path dir(output_dir);
  if (!dir.has_filename() || dir.parent_path() == dir) {
    throw OutputDirError("output.dir " + output_dir +
                         " cannot be an output directory; give a directory of its own");
  }
  struct stat info;
  if (::lstat(output_dir.c_str(), &info) == 0) {
    if (S_ISLNK(info.st_mode)) {
      throw OutputDirError("output.dir " + output_dir +
                           " is a symbolic link; give the directory it points to, or another");
    }
    if (!S_ISDIR(info.st_mode)) {
      throw OutputDirError("output.dir " + output_dir + " exists and is not a directory");
    }
    // The commit puts a new directory in its place, which no rename does to a mount point.
    if (IsMountPoint(dir, info.st_dev)) {
      throw OutputDirError("output.dir " + output_dir +
                           " is a mount point, which minimr cannot replace with the job's output "
                           "(a new directory); give a directory inside it, such as " +
                           (dir / "out").string());
    }
    if (!IsEmptyDirectory(dir)) {
      const std::string id = OutputIdOf(output_dir);
      if (id.empty()) {
        throw OutputDirError(
            "output.dir " + output_dir +
            " is a non-empty directory that minimr did not make (it has no " + kOutputMarker +
            " marker); minimr leaves it as it is: choose another output.dir (-D output.dir=...) "
            "or empty it");
      }
      if (!overwrite) {
        throw OutputDirError("output.dir " + output_dir +
                             " holds the output of a previous minimr job; set output.overwrite: "
                             "true (or -D output.overwrite=true) to replace it, or choose "
                             "another output.dir");
      }
    }
  } else if (errno != ENOENT) {
    throw OutputDirError("output.dir " + output_dir + ": " + std::strerror(errno));
  }
  fs::path parent = dir.parent_path();
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) {
    throw OutputDirError("output.dir " + output_dir + ": cannot create " + parent.string() + ": " +
                         ec.message());
  }
  if (::access(parent.c_str(), W_OK | X_OK) != 0) {
    throw OutputDirError("output.dir " + output_dir + ": cannot write in " + parent.string() +
                         ": " + std::strerror(errno));
  }
}

std::string CreateStagingDir(const std::string& output_dir, uint64_t job_id) {
  RemoveAbandonedStagingDirs(output_dir);
  fs::path dir(output_dir);
  fs::path staging = dir.parent_path() / (StagingPrefix(dir) + std::to_string(::getpid()) + "-" +
                                          std::to_string(job_id) + "@" + HostName());
  // A directory of this name can only be a staging directory of an earlier master with this pid.
  RemoveStagingDir(staging.string());
  if (::mkdir(staging.c_str(), 0755) != 0 ||
      ::mkdir((staging / kTemporary).c_str(), 0755) != 0) {
    throw std::runtime_error(staging.string() + ": cannot create: " + std::strerror(errno));
  }
  return staging.string();
}

std::string AttemptPartPath(const std::string& staging_dir, int index, int attempt) {
  return staging_dir + "/" + kTemporary + "/" + PartFileName(index) + ".attempt-" +
         std::to_string(attempt);
}

void CommitTaskOutput(const std::string& staging_dir, int index, int attempt) {
  std::string from = AttemptPartPath(staging_dir, index, attempt);
  std::string to = staging_dir + "/" + PartFileName(index);
  if (std::rename(from.c_str(), to.c_str()) != 0) {
    throw std::runtime_error("cannot commit reduce task " + std::to_string(index) + "'s output " +
                             from + ": " + std::strerror(errno));
  }
}

std::string CommitOutput(const std::string& staging_dir, const std::string& output_dir,
                         const std::string& job_json, const std::string& output_id, bool overwrite,
                         const std::function<void(const char* step)>& after_step) {
  auto step = [&](const char* name) {
    if (after_step) after_step(name);
  };
  std::error_code ec;
  fs::remove_all(fs::path(staging_dir) / kTemporary, ec);
  if (ec) throw std::runtime_error(staging_dir + ": cannot clean up: " + ec.message());
  step("temporary files removed");
  WriteFileAtomically(staging_dir + "/" + kOutputMarker, output_id + "\n");
  step("marker written");
  WriteFileAtomically(staging_dir + "/job.json", job_json);
  step("job.json written");
  WriteFileAtomically(staging_dir + "/_SUCCESS", "");
  step("_SUCCESS written");
  if (OutputIdOf(staging_dir) != output_id) {
    throw std::logic_error("the job's record does not name its output id " + output_id);
  }

  // What is at output_dir may have changed since the job was admitted (not by a minimr job: the
  // caller holds the output's lock): look again.
  CheckOutputDir(output_dir, overwrite);
  step("output checked");
  // The swap: the staging directory becomes the output in one step, and holds the old output
  // (if any) afterwards, until it is removed.
  if (::renameat2(AT_FDCWD, staging_dir.c_str(), AT_FDCWD, output_dir.c_str(),
                  RENAME_NOREPLACE) == 0) {
    SyncDirectory(fs::path(output_dir).parent_path());
    step("output in place");
    return "";
  }
  if (errno != EEXIST) {
    throw std::runtime_error(output_dir + ": cannot commit the output: " + std::strerror(errno));
  }
  if (::renameat2(AT_FDCWD, staging_dir.c_str(), AT_FDCWD, output_dir.c_str(),
                  RENAME_EXCHANGE) != 0) {
    const int err = errno;
    const char* why = err == EINVAL || err == ENOSYS
                          ? " (this file system does not swap directories: renameat2 "
                            "RENAME_EXCHANGE)"
                      : err == EBUSY ? " (is it a mount point? give a directory inside it)"
                                     : "";
    throw std::runtime_error(output_dir + ": cannot swap in the new output" + why + ": " +
                             std::strerror(err));
  }
  SyncDirectory(fs::path(output_dir).parent_path());
  step("output swapped");
  // What was there was checked an instant ago; if something else came in between, it goes back.
  if (!IsEmptyDirectory(staging_dir) && OutputIdOf(staging_dir).empty()) {
    if (::renameat2(AT_FDCWD, staging_dir.c_str(), AT_FDCWD, output_dir.c_str(), RENAME_EXCHANGE) !=
        0) {
      throw std::runtime_error(output_dir + " changed while the job committed; it is now in " +
                               staging_dir +
                               " and the job's output in its place: " + std::strerror(errno));
    }
    throw OutputDirError("output.dir " + output_dir +
                         " gained files that minimr did not write while the job committed; they "
                         "are left as they were and the job's output was not committed");
  }
  return staging_dir;
}

bool RemoveStagingDir(const std::string& staging_dir, std::string* why) {
  if (!HoldsOnlyOurs(staging_dir)) {
    if (why) *why = "it holds files minimr did not make";
    return false;
  }
  std::error_code ec;
  fs::remove_all(staging_dir, ec);
  if (ec && why) *why = ec.message();
  return !ec;
}

int RemoveAbandonedStagingDirs(const std::string& output_dir, int pid,
                               std::vector<std::string>* left) {
  fs::path dir(output_dir);
  std::string prefix = StagingPrefix(dir);
  std::string host = HostName();
  int removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir.parent_path(), ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    // <prefix><pid>-<job>@<host>
    std::string rest = name.substr(prefix.size());
    size_t at = rest.find('@');
    if (at == std::string::npos || rest.substr(at + 1) != host) continue;
    const std::optional<int64_t> owner_pid =
        ParseInteger(rest.substr(0, rest.find('-')), 1, INT32_MAX);
    if (!owner_pid) continue;
    const int owner = static_cast<int>(*owner_pid);
    bool abandoned = pid ? owner == pid : (owner != ::getpid() && ::kill(owner, 0) != 0 && errno == ESRCH);
    if (!abandoned) continue;
    struct stat info;
    if (::lstat(it->path().c_str(), &info) != 0 || info.st_uid != ::getuid()) continue;
    std::string why;
    if (RemoveStagingDir(it->path().string(), &why)) {
      ++removed;
    } else if (left) {
      left->push_back(it->path().string() + ": " + why);
    }
  }
  return removed;
}

}  // namespace minimr::runtime
