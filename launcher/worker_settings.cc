#include "launcher/worker_settings.h"

namespace minimr::launcher {

std::vector<std::string> WorkerArguments(const std::string& minimr, const WorkerSettings& settings) {
  std::vector<std::string> argv = {minimr, "worker"};
  auto add = [&argv](const char* option, const std::string& value) {
    argv.push_back(option);
    argv.push_back(value);
  };
  if (!settings.connection_file.empty()) add("--connection-file", settings.connection_file);
  if (settings.connection_wait.count() > 0) {
    add("--connection-wait", std::to_string(settings.connection_wait.count()));
  }
  if (!settings.master_host.empty()) {
    add("--master", settings.master_host + ":" + std::to_string(settings.master_port));
  }
  if (!settings.work_dir.empty()) add("--work-dir", settings.work_dir);
  if (!settings.name.empty()) add("--name", settings.name);
  if (settings.faults) add("--faults", *settings.faults);
  if (settings.run_time_limit > 0) add("--run-time-limit", std::to_string(settings.run_time_limit));
  return argv;
}

}  // namespace minimr::launcher
