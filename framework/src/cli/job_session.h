// What `minimr run` and `minimr submit` share: reading the job's YAML into a submission, showing
// the job's progress, and the summary and report at its end.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "framework/src/config/job_config.h"
#include "framework/src/wire/messages.h"
#include "framework/src/wire/security.h"

namespace minimr::cli {

// Reads and checks the job file (with -D overrides), generates missing input where the job can,
// and returns the submission; `report`: the job's report is to follow (not --no-report). Throws
// config::ConfigError or std::runtime_error for the user.
wire::JobSubmission PrepareSubmission(const config::JobConfig& config, bool report);

// Starts the gnuplot processes the report of job `job_name` (a built-in job's, or that of a
// plugin already loaded) will draw its plots on, in the format `plots`, so that their start-up
// overlaps other work: one per plot, but no more than the cores that `local_workers` (the job's
// workers on this machine) leave free, and at least one; the plots then take turns on them.
// Asking again for the same job starts none. Never throws: a job that cannot say (a mistake in
// its parameters, told later) draws its plots without them.
void StartReportPlotters(const std::string& job_name, const std::string& plugin,
                         const std::map<std::string, std::string>& params, report::PlotFormat plots,
                         int local_workers);

// Submits to host:port, shows progress on stdout (a live line on a terminal, plain lines
// otherwise), prints the summary and runs the job's report (holding the output's lock, and only
// over this job's own output). `check` is called with each progress update and may throw to
// abandon the job (an interrupt, a dead cluster). `cancel`, if given, is asked as often; once it
// returns a reason ("SIGINT"), the master cancels the job and FollowJob says "job N cancelled".
// With `report` false the job's report is not drawn (`minimr report` draws it later); its plots
// are drawn as `plots` (the job file's output.plots), on plotters started as StartReportPlotters
// does with `local_workers`.
// `finished`, if given, is called once the job has succeeded, before its report: the cluster
// can stop meanwhile. Returns the exit status.
int FollowJob(const std::string& host, uint16_t port, const wire::Security& security,
              const wire::JobSubmission& submission, bool report, report::PlotFormat plots,
              int local_workers, const std::function<void()>& check,
              const std::function<std::string()>& cancel = nullptr,
              const std::function<void()>& finished = nullptr);

// Prints an error found before the job runs and returns the exit status: 2 for a mistake in the
// job file or its parameters, 1 for anything else.
int SetupFailure(const char* command, const std::exception& error);

// Parses `JOB.yaml [-D key=value]... [--no-report]` (also -Dkey=value); returns false and
// prints why if the arguments are wrong. *report is false if --no-report was given.
bool ParseJobArguments(int argc, char** argv, const char* command, std::string* yaml,
                       std::vector<std::string>* overrides, bool* report);

}  // namespace minimr::cli
