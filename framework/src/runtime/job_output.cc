#include "framework/src/runtime/job_output.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "framework/src/runtime/reduce_task.h"
#include "framework/src/util/atomic_file.h"

namespace minimr::runtime {

namespace fs = std::filesystem;

namespace {

constexpr const char* kTemporary = "_temporary";

std::string HostName() {
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  return host;
}

// ".out.minimr-" for output dir ".../out": every staging directory of that output starts so.
std::string StagingPrefix(const fs::path& output_dir) {
  return "." + output_dir.filename().string() + ".minimr-";
}

}  // namespace

bool IsJobOutput(const std::string& dir) {
  std::error_code ec;
  return fs::exists(fs::path(dir) / "job.json", ec) || fs::exists(fs::path(dir) / "_SUCCESS", ec);
}

void CheckOutputDir(const std::string& output_dir) {
  std::error_code ec;
  fs::path dir(output_dir);
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) {
      throw std::runtime_error("output.dir " + output_dir + " exists and is not a directory");
    }
    if (!fs::is_empty(dir, ec) && !IsJobOutput(output_dir)) {
      throw std::runtime_error("output.dir " + output_dir +
                               " is a non-empty directory that is not a minimr output; choose "
                               "another (-D output.dir=...) or empty it");
    }
  }
  fs::path parent = dir.parent_path();
  fs::create_directories(parent, ec);
  if (ec || ::access(parent.c_str(), W_OK) != 0) {
    throw std::runtime_error("output.dir " + output_dir + ": cannot write in " + parent.string());
  }
}

std::string CreateStagingDir(const std::string& output_dir, uint64_t job_id) {
  RemoveAbandonedStagingDirs(output_dir);
  fs::path dir(output_dir);
  fs::path staging = dir.parent_path() / (StagingPrefix(dir) + std::to_string(::getpid()) + "-" +
                                          std::to_string(job_id) + "@" + HostName());
  std::error_code ec;
  fs::remove_all(staging, ec);
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

void CommitOutput(const std::string& staging_dir, const std::string& output_dir,
                  const std::string& job_json,
                  const std::function<void(const char* step)>& after_step) {
  auto step = [&](const char* name) {
    if (after_step) after_step(name);
  };
  std::error_code ec;
  fs::remove_all(fs::path(staging_dir) / kTemporary, ec);
  if (ec) throw std::runtime_error(staging_dir + ": cannot clean up: " + ec.message());
  step("temporary files removed");
  WriteFileAtomically(staging_dir + "/job.json", job_json);
  step("job.json written");
  WriteFileAtomically(staging_dir + "/_SUCCESS", "");
  step("_SUCCESS written");

  // The swap: the staging directory becomes the output in one step, and holds the old output
  // (if any) afterwards, until it is removed.
  if (::renameat2(AT_FDCWD, staging_dir.c_str(), AT_FDCWD, output_dir.c_str(),
                  RENAME_NOREPLACE) == 0) {
    step("output in place");
    return;
  }
  if (errno != EEXIST) {
    throw std::runtime_error(output_dir + ": cannot commit the output: " + std::strerror(errno));
  }
  if (::renameat2(AT_FDCWD, staging_dir.c_str(), AT_FDCWD, output_dir.c_str(),
                  RENAME_EXCHANGE) != 0) {
    throw std::runtime_error(output_dir +
                             ": cannot swap in the new output (this file system must support "
                             "renameat2 RENAME_EXCHANGE): " +
                             std::strerror(errno));
  }
  step("output swapped");
  fs::remove_all(staging_dir, ec);
  step("previous output removed");
}

void RemoveStagingDir(const std::string& staging_dir) {
  std::error_code ignored;
  fs::remove_all(staging_dir, ignored);
}

int RemoveAbandonedStagingDirs(const std::string& output_dir, int pid) {
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
    int owner = std::atoi(rest.c_str());
    if (owner <= 0) continue;
    bool abandoned = pid ? owner == pid : (owner != ::getpid() && ::kill(owner, 0) != 0 && errno == ESRCH);
    if (!abandoned) continue;
    std::error_code ignored;
    fs::remove_all(it->path(), ignored);
    ++removed;
  }
  return removed;
}

}  // namespace minimr::runtime
