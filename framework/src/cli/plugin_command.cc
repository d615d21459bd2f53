// `minimr plugin check PATH`: loads a plugin the way master and workers do and lists its jobs.
// minimr runs it in a child process before loading a plugin into itself (plugin::Probe), and it
// parses this output: one "job NAME" line per job, or a message starting "plugin PATH: ".
#include <iostream>
#include <string>

#include "framework/src/api/job_table.h"
#include "framework/src/cli/commands.h"
#include "framework/src/plugin/plugin.h"

namespace minimr::cli {

int PluginCommand(int argc, char** argv) {
  std::string sub = argc >= 2 ? argv[1] : "";
  if (sub != "check" || argc != 3) {
    std::cerr << "usage: minimr plugin check LIBRARY.so\n\nLoads a job plugin and lists the jobs "
                 "it registers, or says why it cannot be loaded.\n";
    return (argc == 2 && (sub == "--help" || sub == "-h")) ? 0 : 2;
  }
  try {
    const JobTable& jobs = plugin::Load(argv[2]);
    for (const std::string& name : jobs.Names()) std::cout << "job " << name << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cout << e.what() << std::endl;
    return 1;
  }
}

}  // namespace minimr::cli
