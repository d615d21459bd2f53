#include <malloc.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "framework/src/cli/cluster_members.h"
#include "framework/src/cli/commands.h"
#include "framework/src/runtime/worker.h"
#include "framework/src/wire/connection_file.h"
#include "minimr/command_line.h"
#include "minimr/number_parse.h"

namespace minimr::cli {

namespace po = boost::program_options;

namespace {
constexpr int64_t kMaxRunTimeSeconds = int64_t{366} * 24 * 3600;  // a batch job's limit: a year
}  // namespace

int WorkerCommand(int argc, char** argv) {
  po::options_description options(
      "usage: minimr worker [options]\n\nJoins a running master and runs its tasks until the "
      "master stops. The cluster's key\nis read from the connection file the master "
      "wrote.\n\noptions");
  options.add_options()("help,h", "this help")(
      "master", po::value<std::string>(),
      "HOST:PORT of the master (default: the address in the connection file)")(
      "connection-file", po::value<std::string>(),
      "the cluster's connection file (default ~/.minimr/connection.json)")(
      "connection-wait", IntegerOption(0, 3600)->default_value(0),
      "seconds to wait for the connection file to appear, for a worker started beside its "
      "master (0: it must be there)")(
      "work-dir", po::value<std::string>(),
      "where to make the worker's private scratch directory for map output (default: $TMPDIR)")(
      "name", po::value<std::string>(), "how the worker is named in logs")(
      "faults", po::value<std::string>(),
      "faults to inject, for tests (default: $MINIMR_FAULTS; see runtime/fault_injection.h)")(
      "run-time-limit", IntegerOption(0, kMaxRunTimeSeconds)->default_value(0),
      "seconds this worker may run (its batch job's limit); it takes no task it cannot finish "
      "in time, then leaves in good order (0: no limit)");
  po::variables_map vm;
  if (auto status = ParseCommandLine(argc, argv, options, "minimr worker", &vm)) return *status;
  WorkerSettings settings;
  if (vm.count("connection-file") && vm["connection-file"].as<std::string>().empty()) {
    std::cerr << "minimr worker: --connection-file wants a path, got an empty one\n";
    return 2;
  }
  if (vm.count("connection-file")) {
    settings.connection_file = vm["connection-file"].as<std::string>();
  }
  settings.connection_wait = std::chrono::seconds(vm["connection-wait"].as<int64_t>());
  if (vm.count("master")) {
    std::string address = vm["master"].as<std::string>();
    auto colon = address.rfind(':');
    if (colon == std::string::npos) {
      std::cerr << "minimr worker: --master wants HOST:PORT, got '" << address << "'\n";
      return 2;
    }
    settings.master_host = address.substr(0, colon);
    const std::optional<int64_t> port = ParseInteger(address.substr(colon + 1), 1, 65535);
    if (!port || settings.master_host.empty()) {
      std::cerr << "minimr worker: --master wants HOST:PORT with a port from 1 to 65535, got '"
                << address << "'\n";
      return 2;
    }
    settings.master_port = static_cast<uint16_t>(*port);
  }
  if (vm.count("work-dir")) settings.work_dir = vm["work-dir"].as<std::string>();
  if (vm.count("name")) settings.name = vm["name"].as<std::string>();
  if (vm.count("faults")) settings.faults = vm["faults"].as<std::string>();
  settings.run_time_limit = vm["run-time-limit"].as<int64_t>();
  return RunWorker(settings);
}

int RunWorker(const WorkerSettings& settings) {
  try {
    const std::string path = settings.connection_file.empty() ? wire::DefaultConnectionFilePath()
                                                              : settings.connection_file;
    const auto wait_until = std::chrono::steady_clock::now() + settings.connection_wait;
    while (!std::filesystem::exists(path) && std::chrono::steady_clock::now() < wait_until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    wire::ConnectionInfo info = wire::ReadConnectionFile(path);
    runtime::WorkerOptions worker_options;
    worker_options.master_host = settings.master_host.empty() ? info.host : settings.master_host;
    worker_options.master_port = settings.master_host.empty() ? info.port : settings.master_port;
    worker_options.security = wire::MemberSecurity(info);
    worker_options.work_dir = settings.work_dir;
    worker_options.name = settings.name;
    worker_options.run_time_limit = settings.run_time_limit;
    if (settings.faults) {
      worker_options.faults = *settings.faults;
    } else if (const char* faults = std::getenv("MINIMR_FAULTS")) {
      worker_options.faults = faults;
    }
    // The shuffle's buffers (a task's sort buffer, merge and fetch buffers: 256 KiB and up) are
    // mapped and unmapped, not kept in the heap once freed. glibc otherwise raises its mmap
    // threshold to each large block freed, and freed blocks then stay resident in its per-thread
    // heaps beyond the job's budgets (measured: 48.7 MiB peak for 16 MiB budgets, 29.7 MiB with
    // a fixed threshold; docs/benchmarks.md). Setting it fixes it.
    ::mallopt(M_MMAP_THRESHOLD, 256 << 10);
    runtime::Worker worker(worker_options);
    return worker.Run();
  } catch (const std::invalid_argument& e) {
    std::cerr << "minimr worker: " << e.what() << std::endl;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "minimr worker: " << e.what() << std::endl;
    return 1;
  }
}

}  // namespace minimr::cli
