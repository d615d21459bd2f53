// minimr: one binary, one subcommand per thing a user does, and those the built-in jobs add.
#include <cstring>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "framework/src/cli/commands.h"
#include "minimr/job.h"

namespace {

constexpr const char* kUsage = R"(usage: minimr <command> [options]

  run JOB.yaml [-D key=value]...     run a job on an embedded local cluster (master + workers)
  submit JOB.yaml [-D key=value]...  run a job on a running cluster (--profile P, or see master)
  master [--host H] [--port P]       start a master; writes the cluster's connection file
  worker [--master HOST:PORT]        start a worker for a running master
  cluster start|status|stop --profile P
                                     a cluster that lives across jobs (local, or Grid Engine)
  report OUTDIR [--plots png|svg]    render a finished job's report again
  plugin check LIBRARY.so            load a job plugin and list the jobs it registers
)";

// The subcommands the built-in jobs add, for the usage text.
std::string JobCommandsUsage() {
  std::ostringstream text;
  for (const std::string& name : minimr::RegisteredJobs()) {
    for (const minimr::JobCommand& command : minimr::FindJob(name)->commands) {
      text << "  " << command.words << " " << command.summary << "\n";
    }
  }
  return text.str();
}

std::string Usage() {
  return kUsage + JobCommandsUsage() + "\n'minimr <command> --help' tells more.\n";
}

// Runs the job subcommand whose words begin argv[1...], if there is one; returns its exit status.
std::optional<int> RunJobCommand(int argc, char** argv) {
  for (const std::string& name : minimr::RegisteredJobs()) {
    for (const minimr::JobCommand& command : minimr::FindJob(name)->commands) {
      std::istringstream text(command.words);
      std::vector<std::string> words{std::istream_iterator<std::string>(text), {}};
      int n = static_cast<int>(words.size());
      if (n == 0 || argc <= n) continue;
      bool match = true;
      for (int i = 0; i < n; ++i) match = match && words[i] == argv[i + 1];
      if (match) return command.run(argc - n, argv + n);
    }
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    std::cout << Usage();
    return argc < 2 ? 2 : 0;
  }
  std::string command = argv[1];
  int sub_argc = argc - 1;
  char** sub_argv = argv + 1;
  using namespace minimr::cli;
  if (command == "run") return RunCommand(sub_argc, sub_argv);
  if (command == "submit") return SubmitCommand(sub_argc, sub_argv);
  if (command == "master") return MasterCommand(sub_argc, sub_argv);
  if (command == "worker") return WorkerCommand(sub_argc, sub_argv);
  if (command == "report") return ReportCommand(sub_argc, sub_argv);
  if (command == "cluster") return ClusterCommand(sub_argc, sub_argv);
  if (command == "plugin") return PluginCommand(sub_argc, sub_argv);
  try {
    if (std::optional<int> status = RunJobCommand(argc, argv)) return *status;
  } catch (const std::exception& e) {
    std::cerr << "minimr " << command << ": " << e.what() << std::endl;
    return 1;
  }
  std::cerr << "minimr: unknown command '" << command << "'\n\n" << Usage();
  return 2;
}
