#include "framework/src/runtime/job_record.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include <nlohmann/json.hpp>

#include "framework/src/runtime/reduce_task.h"

namespace minimr::runtime {

std::string WallClockNow() {
  std::time_t t = std::time(nullptr);
  std::tm local{};
  ::localtime_r(&t, &local);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S%z", &local);
  return text;
}

namespace {

std::string Dump(const nlohmann::json& json) {
  return json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string JobJson(const wire::JobSubmission& submission, const JobScheduler& scheduler,
                    const wire::JobStatus& result, const JobTimes& times) {
  const JobSpec& spec = scheduler.spec();
  nlohmann::json json;
  json["job"] = spec.job_name;
  json["job_id"] = spec.id;
  // The id in the output's .minimr-output marker: it marks the output as minimr's own.
  json["output_id"] = result.output_id;
  if (!submission.plugin_path.empty()) {
    json["plugin"] = submission.plugin_path;
    json["plugin_sha256"] = submission.plugin_sha256;
  }
  json["params"] = spec.params;
  json["configuration"] = submission.config_yaml;
  json["input"] = {{"files", spec.plan.files.paths},
                   {"bytes", spec.plan.input_bytes},
                   {"split_size", submission.split_size},
                   {"splits", spec.plan.splits.size()}};
  json["output"] = {{"dir", submission.output_dir},
                    {"reduce_tasks", spec.reduce_tasks},
                    {"format", spec.output_format},
                    {"overwrite", submission.output_overwrite}};
  json["counters"] = result.counters;
  json["timings"] = {{"submitted", times.submitted_at},
                     {"finished", WallClockNow()},
                     {"seconds", Seconds(times.finished - times.started)},
                     {"map_seconds", Seconds(times.maps_finished - times.started)},
                     {"reduce_seconds", Seconds(times.finished - times.maps_finished)}};
  json["workers"] = result.workers;
  json["excluded_workers"] = scheduler.ExcludedWorkers();
  nlohmann::json tasks;
  for (bool is_map : {true, false}) {
    PhaseSummary phase = scheduler.Summary(is_map);
    nlohmann::json summary = {{"tasks", phase.tasks},
                              {"attempts", phase.attempts},
                              {"succeeded", phase.succeeded},
                              {"failed", phase.failed},
                              {"lost", phase.lost},
                              {"killed", phase.killed},
                              {"speculative", phase.speculative}};
    std::vector<float>& seconds = phase.seconds;
    if (!seconds.empty()) {
      std::sort(seconds.begin(), seconds.end());
      auto at = [&](double q) {
        return seconds[std::min(seconds.size() - 1, static_cast<size_t>(q * seconds.size()))];
      };
      summary["seconds"] = {{"min", seconds.front()},
                            {"p50", at(0.5)},
                            {"p90", at(0.9)},
                            {"p99", at(0.99)},
                            {"max", seconds.back()}};
    }
    tasks[is_map ? "map" : "reduce"] = summary;
  }
  // The attempts that did not simply succeed, the first kListedAttempts of them.
  constexpr size_t kListedAttempts = 1000;
  nlohmann::json listed = nlohmann::json::array();
  const std::vector<AttemptRecord>& notable = scheduler.notable_attempts();
  for (size_t i = 0; i < notable.size() && i < kListedAttempts; ++i) {
    const AttemptRecord& r = notable[i];
    nlohmann::json task = {{"phase", r.is_map ? "map" : "reduce"},
                           {"index", r.index},
                           {"attempt", r.attempt},
                           {"worker", r.worker_name},
                           {"seconds", r.seconds},
                           {"outcome", OutcomeName(r.outcome)}};
    if (r.speculative) task["speculative"] = true;
    if (!r.error.empty()) task["error"] = r.error;
    listed.push_back(task);
  }
  tasks["attempts"] = listed;
  if (notable.size() > kListedAttempts)
    tasks["attempts_not_listed"] = notable.size() - kListedAttempts;
  json["tasks"] = tasks;
  // Input paths and parameters are bytes, not always UTF-8, which JSON text must be: such bytes
  // show as U+FFFD here (the part files keep every byte; see docs/output-format.md).
  return Dump(json);
}

std::string WithPartBytes(const std::string& job_json, const std::string& staging_dir,
                          int reduce_tasks) {
  nlohmann::json json = nlohmann::json::parse(job_json);
  nlohmann::json parts = nlohmann::json::object();
  for (int index = 0; index < reduce_tasks; ++index) {
    const std::string name = PartFileName(index);
    std::error_code ec;
    const uintmax_t bytes = std::filesystem::file_size(staging_dir + "/" + name, ec);
    if (ec) throw std::runtime_error(staging_dir + "/" + name + ": " + ec.message());
    parts[name] = bytes;
  }
  json["output"]["part_bytes"] = std::move(parts);
  return Dump(json);
}

}  // namespace minimr::runtime
