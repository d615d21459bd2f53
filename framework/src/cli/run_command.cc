#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <cerrno>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "framework/src/cli/cluster_members.h"
#include "framework/src/cli/commands.h"
#include "framework/src/cli/job_session.h"
#include "framework/src/runtime/job_output.h"
#include "framework/src/runtime/scratch_dir.h"
#include "framework/src/util/ending_signals.h"
#include "framework/src/util/locked_temp_dir.h"
#include "framework/src/util/private_dir.h"
#include "framework/src/util/process.h"
#include "framework/src/wire/connection_file.h"
#include "framework/src/wire/handshake.h"
#include "launcher/cluster_profile.h"
#include "launcher/launcher.h"

namespace minimr::cli {

namespace fs = std::filesystem;

namespace {

constexpr const char* kRunHelp = R"(usage: minimr run JOB.yaml [-D key=value]... [--no-report]

Runs a job on an embedded local cluster: starts a master and cluster.workers worker
processes, runs the job, prints its summary and report, and stops the cluster.
--no-report leaves the job's report out (draw it later with: minimr report DIR).
-D overrides any key of the job file, the value read as YAML, e.g.
  -D params.n=3  -D input.split_size=1MiB  -D cluster.workers=3  -D output.dir=/tmp/out
)";

// How long the master may take to write its connection file.
constexpr int kMasterStartSeconds = 20;

std::atomic<int> g_signal{0};

void OnSignal(int signal) { g_signal = signal; }

// The job's workers that run on this machine, beside its plotters.
int LocalWorkers(const config::JobConfig& config) {
  return config.launcher == "local" ? config.workers : 0;
}

std::string TailOf(const std::string& path, size_t max_lines) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
    if (lines.size() > max_lines) lines.erase(lines.begin());
  }
  std::string text;
  for (const auto& line : lines) text += "  " + line + "\n";
  return text;
}

// A directory for the cluster's connection file and logs (in `parent`, or $TMPDIR), removed
// unless kept. In $TMPDIR it is a LockedTempDir, so that the directory of a run that was killed
// (SIGKILL, or SIGPIPE from `minimr run | head`) goes with the next run there; a shared directory
// of Grid Engine's is left to its user, since a lock there may not reach other hosts.
struct RunDir {
  std::string path;
  bool keep = false;
  std::unique_ptr<LockedTempDir> locked;
  explicit RunDir(const std::string& parent) {
    const char* tmp = std::getenv("TMPDIR");
    const std::string where = !parent.empty() ? parent : std::string(tmp && *tmp ? tmp : "/tmp");
    // It holds the cluster's key: only where no one else can swap it.
    CheckSafeParentDirectory(where, parent.empty() ? "TMPDIR" : "the cluster's shared directory");
    if (parent.empty()) {
      locked = std::make_unique<LockedTempDir>(where, "minimr-run-");
      path = locked->path();
      return;
    }
    std::string pattern = where + "/minimr-run-XXXXXX";
    if (!::mkdtemp(pattern.data())) {
      throw std::runtime_error("cannot create " + pattern + ": " + std::strerror(errno));
    }
    path = pattern;
  }
  ~RunDir() {
    if (keep) {
      if (locked) locked->Keep();
      return;
    }
    if (locked) return;  // its destructor removes it
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

// The end of the master's log in the run directory `dir`, or why it says nothing: on a full
// $TMPDIR the master could write neither its connection file nor its error.
std::string MasterLogTail(const std::string& dir) {
  std::string tail = TailOf(dir + "/master.log", 20);
  if (!tail.empty()) return tail;
  std::error_code ec;
  const fs::space_info space = fs::space(dir, ec);
  if (!ec && space.available < (1u << 20)) {
    return "(its log is empty: the file system of " + dir + " is full, " +
           std::to_string(space.available) +
           " bytes free; free some space there, or point TMPDIR elsewhere)";
  }
  return "(its log is empty)";
}

}  // namespace

int RunCommand(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
      std::cout << kRunHelp;
      return 0;
    }
  }
  std::string yaml;
  std::vector<std::string> overrides;
  bool report = true;
  if (!ParseJobArguments(argc, argv, "run", &yaml, &overrides, &report)) return 2;

  config::JobConfig config;
  wire::JobSubmission submission;
  try {
    config = config::LoadJobConfig(yaml, overrides);
    // A built-in job's plotters start first, to load gnuplot while this process and then the
    // cluster start (a plugin's job is known once PrepareSubmission has probed the plugin).
    if (report && config.plugin.empty()) {
      StartReportPlotters(config.job, "", config.params, config.plots, LocalWorkers(config));
    }
    submission = PrepareSubmission(config, report);
  } catch (const std::exception& e) {
    return SetupFailure("run", e);
  }

  // A closed terminal (SIGHUP, but not under nohup) or a kill stops the cluster as cleanly as
  // Ctrl-C does. Children get SIGTERM from the kernel if this process dies without a chance to
  // (SIGKILL).
  struct sigaction action {};
  action.sa_handler = OnSignal;
  for (int signal : EndingSignals()) ::sigaction(signal, &action, nullptr);

  int status = 1;
  // What output.dir holds now: an interrupt that comes while the job commits does not stop the
  // commit (its master finishes it first), and the end says which happened.
  const std::string output_before = runtime::OutputIdOf(config.output_dir);
  try {
    // Grid Engine's workers read the connection file and write their logs in the profile's
    // shared directory; this run gets a directory of its own there.
    launcher::ClusterProfile profile = launcher::DefaultClusterProfile(config.launcher);
    profile.workers = config.workers;
    std::string parent;
    if (profile.launcher == "sge") {
      MakePrivateDirectory(profile.shared_dir);
      parent = profile.shared_dir;
    }
    RunDir run_dir(parent);
    profile.shared_dir = run_dir.path;
    std::string connection_file = run_dir.path + "/connection.json";
    std::string self = minimr::SelfExecutable();
    auto workers = launcher::MakeLauncher(profile);
    MasterSettings master_settings;
    master_settings.connection_file = connection_file;
    // Local workers reach the master on loopback; Grid Engine's, on any host, by its name.
    master_settings.options.host = profile.launcher == "sge" ? "0.0.0.0" : "127.0.0.1";
    master_settings.options.heartbeat = config.heartbeat_interval;
    master_settings.options.worker_timeout = config.worker_timeout;
    master_settings.options.fetch_timeout = config.fetch_timeout;
    // The master stops once the job has ended and its result is sent, and tells the workers at
    // once (measured: 2.5 ms sooner than after this process had read the result and signalled it).
    master_settings.options.stop_after_job = true;
    // Local masters and workers are forks of this process, doing what `minimr master` and
    // `minimr worker` would: ready in well under a millisecond, where starting the program takes
    // several. Grid Engine's workers start the program on their hosts.
    minimr::ChildProcess master = minimr::ChildProcess::ForkOrExec(
        "minimr-master", MasterArguments(self, master_settings),
        [&] { return RunMaster(master_settings); }, run_dir.path + "/master.log");
    launcher::WorkerLaunch launch;
    launch.minimr = self;
    launch.connection_file = connection_file;
    launch.workers = config.workers;
    launch.log_dir = run_dir.path;
    launch.work_dir = run_dir.path;
    launch.max_replacements = 2 * config.workers + config.max_attempts;
    launch.stall_timeout = config.worker_timeout;
    if (profile.launcher == "local") launch.worker_main = RunWorker;
    // Local workers start beside the master and wait for its connection file, so that their
    // start-up overlaps the master's; Grid Engine's are submitted once it is written.
    const bool workers_early = profile.launcher == "local";
    if (workers_early) {
      launch.connection_wait = std::chrono::seconds(kMasterStartSeconds);
      workers->Start(launch);
    }
    // The master writes the connection file once it listens.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kMasterStartSeconds);
    while (!fs::exists(connection_file)) {
      if (!master.Running() || std::chrono::steady_clock::now() > deadline) {
        run_dir.keep = true;
        throw std::runtime_error("the master did not start (" + master.Ending() + "; its log is " +
                                 run_dir.path + "/master.log):\n" + MasterLogTail(run_dir.path));
      }
      if (g_signal) throw std::runtime_error(std::string("interrupted by SIG") + ::sigabbrev_np(g_signal));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    wire::ConnectionInfo info = wire::ReadConnectionFile(connection_file);
    if (!workers_early) workers->Start(launch);

    // The cluster winds down while the report draws: the master stops itself after the job, and
    // is told to here for whatever ends the run before that (a refused job, an interrupt); workers
    // leave when their master does.
    bool stopping = false;
    auto stop_master = [&] {
      if (stopping) return;
      stopping = true;
      master.Signal(SIGTERM);
      master.Signal(SIGCONT);  // a stopped master must run to hear it
    };
    try {
      auto check = [&] {
        if (g_signal) {
          throw std::runtime_error(std::string("interrupted by SIG") + ::sigabbrev_np(g_signal) +
                                   "; stopping the cluster");
        }
        // The master stops after the job and sends its workers away, its result sent first: a
        // throw from here gives way to that result if it has come (runtime::SubmitJob), and the
        // master is looked at first, so that Grid Engine's tasks are not resubmitted after it.
        if (!master.Running()) throw std::runtime_error("the master " + master.Ending());
        for (const std::string& line : workers->ReplaceDead()) {
          std::cerr << "\nminimr run: " << line << std::endl;
        }
        if (std::string problem = workers->Problem(); !problem.empty()) {
          throw std::runtime_error(problem);
        }
        if (workers->Running() == 0) {
          throw std::runtime_error("every worker has exited:\n" + workers->Endings());
        }
      };
      // An interrupt while the cluster started: nothing is submitted. (During the job, `check`
      // runs with each progress line and at least every 200 ms of waiting.)
      check();
      status = FollowJob(info.host, info.port, wire::ClientSecurity(info), submission, report,
                         config.plots, LocalWorkers(config), check, nullptr, stop_master);
    } catch (const std::exception& e) {
      std::cerr << "\nminimr run: " << e.what() << std::endl;
      status = g_signal ? 128 + g_signal : 1;
    }
    stop_master();
    if (!master.WaitFor(std::chrono::seconds(10))) master.Signal(SIGKILL);
    master.WaitFor(std::chrono::seconds(2));
    workers->Stop(g_signal ? launcher::Launcher::StopReason::kInterrupted
                           : launcher::Launcher::StopReason::kMasterGone);
    runtime::RemoveAbandonedScratchDirs(run_dir.path);  // of workers that were killed
    // A master that was killed could not remove its staging directory; one that could not remove
    // the output its commit replaced has said so in its log, which goes with the run directory.
    std::vector<std::string> left;
    runtime::RemoveAbandonedStagingDirs(config.output_dir, master.pid(), &left);
    for (const std::string& what : left) {
      std::cerr << "minimr run: warning: could not remove " << what << "; it is left there"
                << std::endl;
    }
    if (g_signal) {
      const std::string output_now = runtime::OutputIdOf(config.output_dir);
      const bool committed = status == 0 || (!output_now.empty() && output_now != output_before);
      std::cerr << "minimr run: the cluster is stopped; "
                << (committed ? "the job had committed its output before it stopped: it is "
                                "complete in " +
                                    config.output_dir
                              : config.output_dir + " was left as it was")
                << std::endl;
      status = 128 + g_signal;
    }
    if (status != 0) {
      run_dir.keep = true;
      std::cerr << "minimr run: the cluster's logs are in " << run_dir.path << std::endl;
    }
  } catch (const std::exception& e) {
    std::cerr << "minimr run: " << e.what() << std::endl;
    return g_signal ? 128 + g_signal : 1;
  }
  return status;
}

}  // namespace minimr::cli
