#include "framework/src/cli/job_session.h"

#include <fnmatch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <thread>

#include "framework/src/api/job_params.h"
#include "framework/src/config/byte_size.h"
#include "framework/src/plugin/plugin.h"
#include "framework/src/runtime/job_client.h"
#include "framework/src/runtime/job_output.h"
#include "framework/src/runtime/output_lock.h"
#include "framework/src/util/process.h"
#include "framework/src/wire/frame.h"
#include "minimr/atomic_file.h"
#include "minimr/generated_files.h"
#include "minimr/job.h"
#include "minimr/plot.h"
#include "minimr/progress_line.h"

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

bool HasGlobCharacters(const std::string& text) {
  return text.find_first_of("*?[") != std::string::npos;
}

// Makes the job's input with its input.generate, into the directory of its first input pattern,
// having first made sure that the job will read what it makes. Throws config::ConfigError naming
// where the problem was set.
void GenerateInput(const config::JobConfig& config, const JobDefinition& job) {
  const std::string& where = config.generate_where.empty() ? config.source : config.generate_where;
  if (!job.generate_input) {
    throw config::ConfigError(where + ": input.generate: job '" + config.job +
                              "' cannot generate its input");
  }
  const fs::path pattern(config.input_patterns.front());
  const std::string directory = pattern.parent_path().string();
  const std::string& pattern_where = config.input_pattern_where.front();
  if (HasGlobCharacters(directory)) {
    throw config::ConfigError(pattern_where +
                              ": input.paths: input.generate makes files in the "
                              "directory of '" +
                              pattern.string() +
                              "', which must be a plain directory, not a pattern");
  }
  const Params spec(config.generate);
  if (job.generated_files) {
    std::vector<std::string> names;
    try {
      names = job.generated_files(spec);
    } catch (const ParamError& e) {
      throw config::ConfigError(where + ": " + e.what());
    }
    // glob(3) matches names the way fnmatch(3) does with FNM_PERIOD.
    const std::string name_pattern = pattern.filename().string();
    for (const std::string& name : names) {
      if (::fnmatch(name_pattern.c_str(), name.c_str(), FNM_PERIOD) != 0) {
        throw config::ConfigError(
            pattern_where + ": input.paths: input.generate would make " + name +
            (names.size() > 1 ? " (and " + std::to_string(names.size() - 1) + " more like it)"
                              : "") +
            ", which '" + pattern.string() +
            "' does not match: the job would not read it, and would make it again on every run; "
            "change input.paths or input.generate so that they agree");
      }
    }
  }
  std::cout << "No input matches " << pattern.string() << "; generating it in " << directory
            << " (once)." << std::endl;
  // Made where the job's pattern cannot see it, and moved in once complete: an interrupted
  // generation must not leave some of the files where the job would take them for the whole.
  std::vector<std::string> names;
  try {
    names = MakeFilesTogether(directory, [&](const std::string& staging) {
      job.generate_input(spec, staging, std::cout);
    });
  } catch (const ParamError& e) {
    throw config::ConfigError(where + ": " + e.what());
  } catch (const std::runtime_error& e) {
    // Another run generating the same input (the pi study's configs share theirs) got there
    // first: its files are the input now.
    if (config::ExpandInputPaths(config, /*allow_empty=*/true).empty()) throw;
    std::cout << "Another run generated " << pattern.string() << " meanwhile; using that."
              << std::endl;
    return;
  }
  std::cout << "Generated " << Plural(static_cast<int>(names.size()), "file") << " in "
            << (directory.empty() ? "." : directory) << "." << std::endl;
}

}  // namespace

int SetupFailure(const char* command, const std::exception& error) {
  std::cerr << "minimr " << command << ": " << error.what() << std::endl;
  bool usage = dynamic_cast<const config::ConfigError*>(&error) ||
               dynamic_cast<const ParamError*>(&error);
  return usage ? 2 : 1;
}

bool ParseJobArguments(int argc, char** argv, const char* command, std::string* yaml,
                       std::vector<std::string>* overrides, bool* report) {
  *report = true;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--no-report") {
      *report = false;
    } else if (arg == "-D") {
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

wire::JobSubmission PrepareSubmission(const config::JobConfig& config, bool report) {
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
  if (!report && job.report_is_verdict) {
    throw config::ConfigError("--no-report: job '" + config.job +
                              "' says in its report whether its output is right, and fails "
                              "there when it is not; run it with its report");
  }
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
  try {
    runtime::CheckOutputDir(config.output_dir, config.output_overwrite);
  } catch (const runtime::OutputDirError& e) {
    throw config::ConfigError(config.output_dir_where + ": " + e.what());  // "output.dir X ..."
  }
  // Refused now, not after generating its input, if another job is writing there (the master
  // takes the lock for the job when it admits it).
  { runtime::OutputLock probe(config.output_dir); }

  config::CheckInputSection(config, config.job, bool(job.synthetic_splits));
  std::vector<std::string> inputs = config::ExpandInputPaths(config, /*allow_empty=*/true);
  if (inputs.empty() && !config.generate.empty()) GenerateInput(config, job);
  inputs = config::ExpandInputPaths(config);

  submission.job_name = config.job;
  submission.params = config.params;
  if (job.prepare) {
    // Here, before anything is sent: the job's own look at its input (terasort's sample).
    InputFiles files;
    for (const std::string& path : inputs) {
      std::error_code ec;
      const uint64_t size = std::filesystem::file_size(path, ec);
      if (ec) throw std::runtime_error(path + ": cannot read input: " + ec.message());
      files.paths.push_back(path);
      files.sizes.push_back(size);
    }
    const Params params = ResolveParams(config.job, job, config.params);
    try {
      for (auto& [name, value] : job.prepare(files, config.reduce_tasks, params)) {
        submission.params[name] = std::move(value);
      }
    } catch (const std::exception& e) {
      throw std::runtime_error("job " + config.job + ": preparing the job: " + e.what());
    }
  }
  submission.input_paths = inputs;
  submission.split_size = config.split_size;
  submission.reduce_tasks = config.reduce_tasks;
  submission.output_dir = config.output_dir;
  submission.config_yaml = config.effective_yaml;
  submission.max_attempts = config.max_attempts;
  submission.max_failures_per_worker = config.max_failures_per_worker;
  submission.speculation = config.speculation;
  submission.shuffle = {config.sort_buffer, config.shuffle_buffer, config.merge_factor};
  submission.parallel_copies = config.parallel_copies;
  submission.output_format = config.output_format;
  submission.output_overwrite = config.output_overwrite;
  return submission;
}

void StartReportPlotters(const std::string& job_name, const std::string& plugin,
                         const std::map<std::string, std::string>& params, report::PlotFormat plots,
                         int local_workers) {
  try {
    const JobDefinition& job = plugin::ResolveJob(job_name, plugin);
    if (job.report && job.report_plots) {
      // A gnuplot's start-up is tens of milliseconds of CPU where page faults are dear (some
      // virtual machines): a second one that has to share a core with a worker delays the job
      // more than drawing its plot after the first one's.
      const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
      const int plotters = std::min(job.report_plots(ResolveParams(job_name, job, params)),
                                    std::max(1, cores - local_workers));
      report::StartPlotters(plotters, plots);
    }
  } catch (const std::exception&) {
  }
}

int FollowJob(const std::string& host, uint16_t port, const wire::Security& security,
              const wire::JobSubmission& submission, bool report, report::PlotFormat plots,
              int local_workers, const std::function<void()>& check,
              const std::function<std::string()>& cancel, const std::function<void()>& finished) {
  const JobDefinition& job = plugin::ResolveJob(submission.job_name, submission.plugin_path);
  if (report) {
    StartReportPlotters(submission.job_name, submission.plugin_path, submission.params, plots,
                        local_workers);
  }
  ProgressLine progress(std::cout, ProgressLine::StdoutIsTerminal());
  uint64_t job_id = 0;
  std::string cancelled;  // why, once asked
  wire::JobStatus result = runtime::SubmitJob(
      host, port, security, submission,
      [&](const wire::JobStatus& status) {
        job_id = status.job_id;
        progress.Update(ProgressText(status));
      },
      check,
      [&]() -> std::string {
        if (!cancel || !cancelled.empty()) return "";
        cancelled = cancel();
        if (!cancelled.empty()) {
          std::cerr << "\nminimr: " << cancelled << ": cancelling job "
                    << (job_id ? std::to_string(job_id) + " " : "") << "on the master" << std::endl;
        }
        return cancelled;
      });
  if (result.cancelled) {
    std::cerr << "minimr: job " << result.job_id << " cancelled; " << submission.output_dir
              << " was left as it was" << std::endl;
    return 1;
  }
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
  if (finished) finished();
  if (!cancelled.empty()) {  // no report: the user asked to stop
    std::cerr << "minimr: the job had finished before it could be cancelled; its output is "
                 "complete (draw its report with: minimr report "
              << submission.output_dir << ")" << std::endl;
    return 0;
  }

  if (!job.report || !report) return 0;
  ReportContext context;
  context.output_dir = submission.output_dir;
  context.params = ResolveParams(submission.job_name, job, submission.params);
  for (const auto& [name, value] : result.counters) context.counters.Add(name, value);
  context.out = &std::cout;
  context.plots = plots;
  try {
    // The report writes into the output: no job may commit there meanwhile, and it must still
    // be this job's output.
    runtime::OutputLock lock(submission.output_dir);
    if (runtime::OutputIdOf(submission.output_dir) != result.output_id) {
      throw std::runtime_error(submission.output_dir +
                               " no longer holds this job's output (another job has replaced it)");
    }
    RemoveLeftTemporaryFiles(submission.output_dir);  // of a report cut short
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
