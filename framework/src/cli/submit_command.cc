#include <signal.h>
#include <string.h>

#include <atomic>
#include <iostream>

#include "framework/src/cli/commands.h"
#include "framework/src/cli/job_session.h"
#include "framework/src/util/ending_signals.h"
#include "framework/src/wire/connection_file.h"
#include "launcher/cluster_profile.h"

namespace minimr::cli {

namespace {

std::atomic<int> g_signal{0};
std::atomic<int> g_signals{0};

void OnSignal(int signal) {
  g_signal = signal;
  ++g_signals;
}

}  // namespace

int SubmitCommand(int argc, char** argv) {
  std::string connection_file = wire::DefaultConnectionFilePath();
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << "usage: minimr submit [--connection-file F | --profile P] JOB.yaml "
                   "[-D key=value]... [--no-report]\n\n"
                   "Runs a job on a running cluster: the one started with `minimr cluster start "
                   "--profile P`,\nor the one whose connection file is F (default "
                << connection_file << ").\n";
      return 0;
    }
    if (arg == "--connection-file" && i + 1 < argc) {
      connection_file = argv[++i];
    } else if (arg == "--profile" && i + 1 < argc) {
      try {
        connection_file = launcher::LoadClusterProfile(argv[++i]).shared_dir + "/connection.json";
      } catch (const std::exception& e) {
        std::cerr << "minimr submit: " << e.what() << "\n";
        return 2;
      }
    } else {
      rest.push_back(argv[i]);
    }
  }
  std::string yaml;
  std::vector<std::string> overrides;
  bool report = true;
  if (!ParseJobArguments(static_cast<int>(rest.size()), rest.data(), "submit", &yaml, &overrides,
                         &report)) {
    return 2;
  }
  config::JobConfig config;
  wire::JobSubmission submission;
  try {
    config = config::LoadJobConfig(yaml, overrides);
    submission = PrepareSubmission(config, report);
  } catch (const std::exception& e) {
    return SetupFailure("submit", e);
  }
  // Ctrl-C, SIGTERM or a closed terminal (not under nohup) cancel the job on the master; a
  // second one stops waiting for that.
  struct sigaction action {};
  action.sa_handler = OnSignal;
  for (int signal : EndingSignals()) ::sigaction(signal, &action, nullptr);
  int status = 1;
  try {
    wire::ConnectionInfo info = wire::ReadConnectionFile(connection_file);
    status = FollowJob(
        info.host, info.port, wire::ClientSecurity(info), submission, report, config.plots,
        /*local_workers=*/0,
        [] {
          if (g_signals > 1) {
            throw std::runtime_error(
                "interrupted again; not waiting for the master to cancel "
                "the job");
          }
        },
        []() -> std::string {
          if (!g_signal) return "";
          return std::string("interrupted (SIG") + ::sigabbrev_np(g_signal) + ")";
        });
  } catch (const std::exception& e) {
    std::cerr << "\nminimr submit: " << e.what() << std::endl;
  }
  return g_signal ? 128 + g_signal : status;
}

}  // namespace minimr::cli
