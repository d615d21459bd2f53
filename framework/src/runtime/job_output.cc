#include "framework/src/runtime/job_output.h"

#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "framework/src/util/atomic_file.h"

namespace minimr::runtime {

namespace fs = std::filesystem;

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
  fs::path dir(output_dir);
  fs::path staging = dir.parent_path() / ("." + dir.filename().string() + ".minimr-" +
                                          std::to_string(::getpid()) + "-" +
                                          std::to_string(job_id));
  std::error_code ec;
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  if (ec) throw std::runtime_error(staging.string() + ": cannot create: " + ec.message());
  return staging.string();
}

void CommitOutput(const std::string& staging_dir, const std::string& output_dir,
                  const std::string& job_json) {
  WriteFileAtomically(staging_dir + "/job.json", job_json);
  WriteFileAtomically(staging_dir + "/_SUCCESS", "");
  std::error_code ec;
  fs::path old = staging_dir + ".old";
  bool had_output = fs::exists(output_dir, ec);
  if (had_output) {
    fs::rename(output_dir, old, ec);
    if (ec) throw std::runtime_error(output_dir + ": cannot move aside: " + ec.message());
  }
  fs::rename(staging_dir, output_dir, ec);
  if (ec) {
    std::error_code ignored;
    if (had_output) fs::rename(old, output_dir, ignored);
    throw std::runtime_error(output_dir + ": cannot commit the output: " + ec.message());
  }
  if (had_output) fs::remove_all(old, ec);
}

void RemoveStagingDir(const std::string& staging_dir) {
  std::error_code ignored;
  fs::remove_all(staging_dir, ignored);
}

}  // namespace minimr::runtime
