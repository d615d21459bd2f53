#include "framework/src/cli/job_session.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "framework/src/api/job_params.h"
#include "framework/src/config/byte_size.h"
#include "framework/src/plugin/plugin.h"
#include "framework/src/runtime/job_client.h"
#include "framework/src/runtime/job_output.h"
#include "framework/src/util/process.h"
#include "framework/src/wire/frame.h"
#include "minimr/progress_line.h"
#include "minimr/job.h"

namespace minimr::cli {

namespace fs = std::filesystem;

namespace {

std::string Rate(double bytes, double seconds) {
  return seconds > 0 ? config::FormatBytes(static_cast<uint64_t>(bytes / seconds)) + "/s" : "-";
}

std::string Plural(int count, const char* noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

std::string ProgressText(const wire::JobStatus& s) {
  if (s.jobs_ahead > 0) {
    return "waiting for " + Plural(s.jobs_ahead, "job") + " ahead of this one to finish, " +
           Plural(s.workers, "worker");
  }
  char text[256];
  std::snprintf(text, sizeof text, "map %d/%d  reduce %d/%d  %s of %s  %s  %s  %.2f s",
                s.maps_done, s.maps_total, s.reduces_done, s.reduces_total,
                config::FormatBytes(s.bytes_done).c_str(),
                config::FormatBytes(s.bytes_total).c_str(),
                Rate(double(s.bytes_done), s.seconds).c_str(), Plural(s.workers, "worker").c_str(),
                s.seconds);
  return text;
}

}  // namespace

int SetupFailure(const char* command, const std::exception& error) {
  std::cerr << "minimr " << command << ": " << error.what() << std::endl;
  bool usage = dynamic_cast<const config::ConfigError*>(&error) ||
               dynamic_cast<const ParamError*>(&error);
  return usage ? 2 : 1;
}

bool ParseJobArguments(int argc, char** argv, const char* command, std::string* yaml,
                       std::vector<std::string>* overrides) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-D") {
      if (i + 1 == argc) {
        std::cerr << "minimr " << command << ": -D needs key=value\n";
        return false;
      }
      overrides->push_back(argv[++i]);
    } else if (arg.rfind("-D", 0) == 0) {
      overrides->push_back(arg.substr(2));
    } else if (!arg.empty() && arg[0] == '-') {
      std::cerr << "minimr " << command << ": unknown option " << arg << "\n";
      return false;
    } else if (yaml->empty()) {
      *yaml = arg;
    } else {
      std::cerr << "minimr " << command << ": one job file at a time (got " << *yaml << " and "
                << arg << ")\n";
      return false;
    }
  }
  if (yaml->empty()) {
    std::cerr << "usage: minimr " << command << " JOB.yaml [-D key=value]...\n";
    return false;
  }
  return true;
}

wire::JobSubmission PrepareSubmission(const config::JobConfig& config) {
  wire::JobSubmission submission;
  if (!config.plugin.empty()) {
    // Checked here, where the user is, before anything is sent: loaded in a child process
    // first, so that a plugin that crashes while loading cannot take this one with it.
    try {
      plugin::PluginFile file = plugin::ReadPluginFile(config.plugin, wire::kMaxFrameBytes - (1 << 20));
      plugin::Inspect(config.plugin);
      plugin::Probe(config.plugin, SelfExecutable());
      submission.plugin_path = file.path;
      submission.plugin_sha256 = file.sha256;
      submission.plugin_bytes = std::move(file.bytes);
    } catch (const plugin::PluginError& e) {
      throw config::ConfigError(config.plugin_where + ": " + e.what());
    }
  }
  const JobDefinition* found = nullptr;
  try {
    found = &plugin::ResolveJob(config.job, config.plugin);
  } catch (const std::exception& e) {
    throw config::ConfigError(config.job_where + ": job: " + e.what());
  }
  const JobDefinition& job = *found;
  try {
    ResolveParams(config.job, job, config.params);
  } catch (const ParamError& e) {
    // Name where the parameter was set: "job.yaml:4:6: params.n: ..." or "-D params.n=9: ...".
    std::string message = e.what();
    std::string where = config.source;
    for (const auto& [name, place] : config.param_where) {
      if (message.rfind("params." + name + ":", 0) == 0) where = place;
    }
    throw ParamError(where + ": " + message);
  }
  runtime::CheckOutputDir(config.output_dir);

  std::vector<std::string> inputs = config::ExpandInputPaths(config, /*allow_empty=*/true);
  if (inputs.empty() && !config.generate.empty()) {
    if (!job.generate_input) {
      throw std::runtime_error(config.source + ": input.generate: job '" + config.job +
                               "' cannot generate its input");
    }
    std::string directory = fs::path(config.input_patterns.front()).parent_path().string();
    std::cout << "No input matches " << config.input_patterns.front() << "; generating it in "
              << directory << " (once)." << std::endl;
    job.generate_input(Params(config.generate), directory, std::cout);
  }
  inputs = config::ExpandInputPaths(config);

  submission.job_name = config.job;
  submission.params = config.params;
  submission.input_paths = inputs;
  submission.split_size = config.split_size;
  submission.reduce_tasks = config.reduce_tasks;
  submission.output_dir = config.output_dir;
  submission.config_yaml = config.effective_yaml;
  submission.max_attempts = config.max_attempts;
  submission.max_failures_per_worker = config.max_failures_per_worker;
  submission.speculation = config.speculation;
  submission.output_format = config.output_format;
  return submission;
}

int FollowJob(const std::string& host, uint16_t port, const wire::Security& security,
              const wire::JobSubmission& submission, const std::function<void()>& check) {
  ProgressLine progress(std::cout, ProgressLine::StdoutIsTerminal());
  wire::JobStatus result = runtime::SubmitJob(
      host, port, security, submission,
      [&](const wire::JobStatus& status) {
        progress.Update(ProgressText(status));
        if (check) check();
      },
      check);
  progress.Finish(ProgressText(result));
  if (!result.ok) {
    std::cerr << "minimr: job " << submission.job_name
              << (submission.plugin_path.empty() ? ""
                                                 : " (plugin " + submission.plugin_path + ")")
              << " failed: " << result.error << std::endl;
    return 1;
  }
  std::cout << "Job " << submission.job_name << " done in " << std::fixed
            << std::setprecision(2) << result.seconds << " s: "
            << Plural(result.maps_total, "map task") << ", "
            << Plural(result.reduces_total, "reduce task") << ", "
            << Plural(result.workers, "worker") << ", input "
            << config::FormatBytes(result.bytes_total) << " at "
            << Rate(double(result.bytes_total), result.seconds) << ".\n"
            << "Output: " << submission.output_dir << std::endl;

  const JobDefinition& job = plugin::ResolveJob(submission.job_name, submission.plugin_path);
  if (!job.report) return 0;
  ReportContext context;
  context.output_dir = submission.output_dir;
  context.params = ResolveParams(submission.job_name, job, submission.params);
  for (const auto& [name, value] : result.counters) context.counters.Add(name, value);
  context.out = &std::cout;
  try {
    std::cout << "\n";
    job.report(context);
  } catch (const std::exception& e) {
    std::cerr << "minimr: the job's output is complete in " << submission.output_dir
              << ", but its report failed: " << e.what()
              << "\n(render it again with: minimr report " << submission.output_dir << ")"
              << std::endl;
    return 1;
  }
  return 0;
}

}  // namespace minimr::cli
