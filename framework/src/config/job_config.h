// A job's configuration: its YAML file, read and checked, with Hadoop-style `-D key=value`
// overrides applied on top.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "framework/src/shuffle/shuffle_options.h"
#include "minimr/plot.h"

namespace minimr::config {

// Everything a job file says, checked, with defaults filled in and paths made absolute against
// the current directory.
struct JobConfig {
  std::string source;                         // the YAML file's path, as given
  std::string job;                            // `job`: the registered job's name; non-empty
  std::string plugin;                         // `plugin`: a shared library, absolute; "" if absent
  std::string job_where, plugin_where;        // where `job` and `plugin` were set, as below
  std::map<std::string, std::string> params;  // `params.*`: scalars as written ("2", "true")
  std::map<std::string, std::string> param_where;  // where each param was set, as below
  std::vector<std::string> input_patterns;    // `input.paths`: globs, absolute; none if the
                                              // file has no input: section
  std::string input_where;                    // where input: was set (or the file's top)
  std::vector<std::string> input_pattern_where;  // where each pattern was set, for messages:
                                                 // "<file>:<line>:<col>" or "-D <override>"
  uint64_t split_size = 0;                      // `input.split_size`: bytes; 0 = one split per file
  std::map<std::string, std::string> generate;  // `input.generate.*` scalars; empty if absent
  std::string generate_where;                   // where input.generate was set, as below
  int reduce_tasks = 1;                         // `reduce.tasks`: 1..10000
  // The shuffle's budgets, per task (docs/shuffle.md): `map.sort_buffer` and
  // `reduce.shuffle_buffer` in bytes, 64 KiB..64 GiB; `shuffle.merge_factor`, 2..1000.
  uint64_t sort_buffer = shuffle::kDefaultSortBuffer;
  uint64_t shuffle_buffer = shuffle::kDefaultShuffleBuffer;
  int merge_factor = shuffle::kDefaultMergeFactor;
  std::string output_dir;                       // `output.dir`: absolute; required
  std::string output_dir_where;                 // where output.dir was set, as below
  std::string output_format = "text";           // `output.format`: "text", "jsonl" or "raw"
  bool output_overwrite = false;  // `output.overwrite`: may replace a previous minimr output
  report::PlotFormat plots = report::PlotFormat::kPng;  // `output.plots`: "png" or "svg"
  std::string launcher = "local";               // `cluster.launcher`: "local" or "sge"
  int workers = 2;                              // `cluster.workers`: 1..10000
  // `cluster.heartbeat_interval`, `cluster.worker_timeout`, `cluster.fetch_timeout`: the failure
  // detector of the cluster `minimr run` starts (a running cluster has its own).
  std::chrono::milliseconds heartbeat_interval{1000};
  std::chrono::milliseconds worker_timeout{10000};
  std::chrono::milliseconds fetch_timeout{10000};
  int max_attempts = 4;             // `tasks.max_attempts`: 1..100
  int max_failures_per_worker = 3;  // `tasks.max_failures_per_worker`: 1..10000
  bool speculation = true;          // `tasks.speculation`
  // `shuffle.parallel_copies`: 1..100, how many servers a reduce task fetches from at once.
  int parallel_copies = 5;
  std::string effective_yaml;  // the configuration after overrides and defaults, as YAML that
                               // LoadJobConfig reads back to the same values (the job's record)
};

// Any problem with a job's configuration. what() reads "<file>:<line>:<col>: <key>: <problem>"
// (1-based), or "-D <override>: <key>: <problem>" when the value came from an override, or
// "<file>: <problem>" when the file cannot be read. The key is a dotted path ("reduce.tasks",
// "input.paths[1]") and is left out only when there is none (a YAML syntax error, a file that
// is not one mapping, an override without "key=").
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads the YAML file at `path`, applies `overrides` in order, and checks the result.
// Each override is "key.path=value"; the value is parsed as YAML ("input.paths=[a, b]",
// "params.n=3", "input.split_size=1MiB") and replaces or adds the node at that path, creating
// mappings on the way. Unknown keys (except under `params` and `input.generate`, which belong to
// the job), wrong types, out-of-range numbers, malformed YAML, an unreadable file and a malformed
// override all throw ConfigError.
JobConfig LoadJobConfig(const std::string& path, const std::vector<std::string>& overrides = {});

// The `output.plots` of an effective configuration (the text job.json keeps), named `where` in
// errors; png if it has none (a job file from before output.plots). Throws ConfigError.
report::PlotFormat PlotsOfEffectiveYaml(const std::string& yaml, const std::string& where);

// Checks the input: section against the job `job`: one that makes its own input (synthetic
// splits) must have none, any other must name input.paths. Throws ConfigError naming where.
void CheckInputSection(const JobConfig& config, const std::string& job, bool makes_own_input);

// Expands config.input_patterns with glob(3): each pattern's matches sorted bytewise, patterns in
// order, regular files only (symlinks followed), duplicates dropped keeping the first. Throws
// ConfigError naming where the pattern was set when a pattern matches no regular file (unless
// `allow_empty`) or a directory on the way cannot be read.
std::vector<std::string> ExpandInputPaths(const JobConfig& config, bool allow_empty = false);

}  // namespace minimr::config
