// Fuzz target: the YAML job reader, config::LoadJobConfig, with -D overrides. The input is the
// job file's text, then, after each NUL byte, one override ("key.path=value"). The file is an
// in-memory file (memfd) read through its /proc/self/fd path, so nothing touches the disk.
//   LoadJobConfig returns or throws ConfigError (anything else escapes and is a finding), and its
//   message starts where the problem is: the file's path or "-D ".
//   A configuration it returns has an effective_yaml that LoadJobConfig reads back, without
//   overrides, to the same values and the same effective YAML (the job's record relies on it).
//   Only for text that is UTF-8, as YAML must be: yaml-cpp writes other bytes as U+FFFD, as
//   job.json does (job_record.cc), while the job itself keeps them.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "framework/src/config/job_config.h"
#include "framework/src/util/utf8.h"
#include "tests/fuzz/finding.h"

namespace minimr::fuzz {
namespace {

// An in-memory file; Path() opens it afresh from the start.
class MemoryFile {
 public:
  explicit MemoryFile(const char* name) : fd_(memfd_create(name, MFD_CLOEXEC)) {
    MINIMR_FUZZ_CHECK(fd_ >= 0, "memfd_create (the harness, not the code under test)");
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  const std::string& Write(std::string_view text) {
    MINIMR_FUZZ_CHECK(ftruncate(fd_, 0) == 0, "ftruncate (the harness)");
    MINIMR_FUZZ_CHECK(pwrite(fd_, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size()),
                      "pwrite (the harness)");
    return path_;
  }

 private:
  int fd_;
  std::string path_;
};

// The effective YAML without its header of comments (which names the file and the overrides).
std::string_view Body(std::string_view yaml) {
  while (yaml.starts_with("#")) {
    const size_t end = yaml.find('\n');
    yaml = end == std::string_view::npos ? std::string_view() : yaml.substr(end + 1);
  }
  return yaml;
}

bool AllUtf8(const config::JobConfig& config) {
  const auto map_utf8 = [](const std::map<std::string, std::string>& map) {
    for (const auto& [key, value] : map) {
      if (!IsUtf8(key) || !IsUtf8(value)) return false;
    }
    return true;
  };
  for (const std::string& pattern : config.input_patterns) {
    if (!IsUtf8(pattern)) return false;
  }
  return IsUtf8(config.job) && IsUtf8(config.plugin) && IsUtf8(config.output_dir) &&
         map_utf8(config.params) && map_utf8(config.generate);
}

void CheckReadsBack(const config::JobConfig& first, MemoryFile& file) {
  const std::string& path = file.Write(first.effective_yaml);
  config::JobConfig again;
  try {
    again = config::LoadJobConfig(path);
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "effective YAML:\n%s\nrefused: %s\n", first.effective_yaml.c_str(),
                 e.what());
    MINIMR_FUZZ_CHECK(false, "the effective YAML reads back");
  }
  auto keeps = [&](bool same, const char* promise) {
    if (same) return;
    std::fprintf(stderr, "effective YAML:\n%s\nread back as:\n%s\n", first.effective_yaml.c_str(),
                 again.effective_yaml.c_str());
    MINIMR_FUZZ_CHECK(false, promise);
  };
  keeps(again.job == first.job, "the effective YAML keeps job");
  keeps(again.plugin == first.plugin, "the effective YAML keeps plugin");
  keeps(again.params == first.params, "the effective YAML keeps params");
  keeps(again.input_patterns == first.input_patterns, "the effective YAML keeps input.paths");
  keeps(again.split_size == first.split_size, "the effective YAML keeps input.split_size");
  keeps(again.generate == first.generate, "the effective YAML keeps input.generate");
  keeps(again.reduce_tasks == first.reduce_tasks, "the effective YAML keeps reduce.tasks");
  keeps(again.output_dir == first.output_dir, "the effective YAML keeps output.dir");
  keeps(again.output_format == first.output_format, "the effective YAML keeps output.format");
  keeps(again.output_overwrite == first.output_overwrite,
        "the effective YAML keeps output.overwrite");
  keeps(again.launcher == first.launcher, "the effective YAML keeps cluster.launcher");
  keeps(again.workers == first.workers, "the effective YAML keeps cluster.workers");
  keeps(again.heartbeat_interval == first.heartbeat_interval &&
            again.worker_timeout == first.worker_timeout &&
            again.fetch_timeout == first.fetch_timeout,
        "the effective YAML keeps the cluster's durations");
  keeps(again.max_attempts == first.max_attempts &&
            again.max_failures_per_worker == first.max_failures_per_worker &&
            again.speculation == first.speculation,
        "the effective YAML keeps tasks");
  keeps(Body(again.effective_yaml) == Body(first.effective_yaml),
        "the effective YAML of the effective YAML is the same");
}

void LoadAndCheck(std::string_view input) {
  static MemoryFile job_file("job.yaml"), effective_file("effective.yaml");
  const size_t end_of_yaml = input.find('\0');
  std::vector<std::string> overrides;
  if (end_of_yaml != std::string_view::npos) {
    for (size_t begin = end_of_yaml + 1;;) {
      const size_t end = input.find('\0', begin);
      overrides.emplace_back(
          input.substr(begin, end == std::string_view::npos ? end : end - begin));
      if (end == std::string_view::npos) break;
      begin = end + 1;
    }
  }
  const std::string& path = job_file.Write(input.substr(0, end_of_yaml));
  config::JobConfig config;
  try {
    config = config::LoadJobConfig(path, overrides);
  } catch (const config::ConfigError& e) {
    const std::string_view message = e.what();
    MINIMR_FUZZ_CHECK(message.starts_with(path + ":") || message.starts_with("-D "),
                      "a ConfigError starts with the file's path or the override");
    return;
  }
  if (AllUtf8(config)) CheckReadsBack(config, effective_file);
}

}  // namespace
}  // namespace minimr::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  minimr::fuzz::LoadAndCheck(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
