// Jobs from shared libraries (`plugin:` in a job file). A plugin is checked in three steps, each
// of which names the file in its error: Inspect() reads it without running any of its code (a
// shared library, built against this minimr's API version); Probe() loads it in a child process,
// so that a plugin that crashes, hangs or throws while loading takes nothing else with it; Load()
// loads it into this process, once, and keeps it. Code that loads a plugin not yet known good
// probes it first.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "minimr/job.h"

namespace minimr {
class JobTable;
}

namespace minimr::plugin {

class PluginError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The SHA-256 of `bytes` in hexadecimal.
std::string Sha256Hex(std::string_view bytes);

struct PluginFile {
  std::string path;
  std::string sha256;
  std::string bytes;
};
// Reads a plugin file whole. Throws PluginError naming the file if it cannot be read or is larger
// than `max_bytes`.
PluginFile ReadPluginFile(const std::string& path, size_t max_bytes);

// Checks without running its code that `path` is a shared library built as a minimr plugin
// against this API version. Throws PluginError naming the file and, for a version mismatch,
// both versions.
void Inspect(const std::string& path);

// Loads `path` in a child process (`minimr_program plugin check PATH`) and returns the names of
// the jobs it registers. Throws PluginError with what went wrong (the child's own message).
std::vector<std::string> Probe(const std::string& path, const std::string& minimr_program);

// Inspects and loads `path` into this process (once per path; never unloaded), defines each of
// its jobs, and returns them. Throws PluginError naming the file if it cannot be loaded (an
// unresolved symbol, say), registers no job, or a job's definition throws.
const JobTable& Load(const std::string& path);

// The job `name`: a built-in one when `plugin_path` is empty, else one of that plugin's, which is
// loaded if it was not. Throws std::runtime_error naming the job (and plugin) if there is none.
const JobDefinition& ResolveJob(const std::string& name, const std::string& plugin_path);

// A copy of the plugin whose SHA-256 is `sha256` at `directory`/<sha256>.so: copied from `path`
// when that file has that hash (the usual case on a shared file system), else written from what
// `fetch` returns (the master's copy). Returns the copy's path. Throws PluginError if neither
// gives those bytes.
std::string StagePlugin(const std::string& path, const std::string& sha256,
                        const std::string& directory, const std::function<std::string()>& fetch);

}  // namespace minimr::plugin
