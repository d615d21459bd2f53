// minimr: one binary, one subcommand per thing a user does.
#include <cstring>
#include <iostream>
#include <string>

#include "framework/src/cli/commands.h"
#include "jobs/pidigits/pi_generate_command.h"

namespace {

constexpr const char* kUsage = R"(usage: minimr <command> [options]

  run JOB.yaml [-D key=value]...     run a job on an embedded local cluster (master + workers)
  submit JOB.yaml [-D key=value]...  run a job on a running cluster (--profile P, or see master)
  master [--host H] [--port P]       start a master; writes the cluster's connection file
  worker [--master HOST:PORT]        start a worker for a running master
  cluster start|status|stop --profile P
                                     a cluster that lives across jobs (local, or Grid Engine)
  report OUTDIR                      render a finished job's report again
  pi generate --digits N --files K --out DIR
                                     compute digits of pi into Kanada-layout files

'minimr <command> --help' tells more.
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    std::cout << kUsage;
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
  if (command == "pi" && argc >= 3 && std::string(argv[2]) == "generate") {
    return minimr::pidigits::PiGenerateCommand(argc - 2, argv + 2);
  }
  std::cerr << "minimr: unknown command '" << command << "'\n\n" << kUsage;
  return 2;
}
