// The subcommands of the minimr binary. Each takes the arguments after its name (argv[0] is the
// subcommand's name) and returns the process's exit status: 0 success, 1 failure, 2 bad usage.
#pragma once

namespace minimr::cli {

int RunCommand(int argc, char** argv);
int SubmitCommand(int argc, char** argv);
int MasterCommand(int argc, char** argv);
int WorkerCommand(int argc, char** argv);
int ReportCommand(int argc, char** argv);
int ClusterCommand(int argc, char** argv);
int PluginCommand(int argc, char** argv);

}  // namespace minimr::cli
