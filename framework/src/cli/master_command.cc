#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "framework/src/cli/cluster_members.h"
#include "framework/src/cli/commands.h"
#include "framework/src/cli/master_signals.h"
#include "framework/src/config/byte_size.h"
#include "framework/src/config/duration.h"
#include "framework/src/runtime/fault_injection.h"
#include "framework/src/runtime/master.h"
#include "framework/src/util/ending_signals.h"
#include "framework/src/util/file_lock.h"
#include "framework/src/util/private_dir.h"
#include "framework/src/wire/blocking_client.h"
#include "framework/src/wire/connection_file.h"
#include "minimr/command_line.h"

namespace minimr::cli {

namespace po = boost::program_options;
using runtime::Duration;

int MasterCommand(int argc, char** argv) {
  po::options_description options(
      "usage: minimr master [options]\n\nStarts a master and writes the cluster's connection "
      "file (address and secret key, mode 0600).\nWorkers join with `minimr worker`, jobs come "
      "with `minimr submit`. Stops on SIGINT, SIGTERM or SIGHUP (not under nohup), or, with "
      "--stop-after-job, once its one job has ended.\n\noptions");
  options.add_options()("help,h", "this help")(
      "host", po::value<std::string>()->default_value("127.0.0.1"),
      "address to listen on (0.0.0.0 for every interface)")(
      "port", IntegerOption(0, 65535)->default_value(0), "port to listen on (0: any free port)")(
      "connection-file", po::value<std::string>(),
      "where to write the connection file (default ~/.minimr/connection.json)")(
      "advertise", po::value<std::string>(),
      "the host name workers should use (default: --host, or this host's name for 0.0.0.0)")(
      "heartbeat", po::value<std::string>()->default_value("1s"),
      "how often workers send a heartbeat (500ms, 1s, ...)")(
      "worker-timeout", po::value<std::string>()->default_value("10s"),
      "a worker silent this long is taken for dead, its work run again elsewhere")(
      "fetch-timeout", po::value<std::string>()->default_value("10s"),
      "a fetch of map output that receives nothing this long fails; the output is run again")(
      "no-worker-timeout", po::value<std::string>()->default_value("60s"),
      "a running job fails once the cluster has had no worker for this long")(
      "max-frame-bytes", po::value<std::string>()->default_value("16MiB"),
      "the largest frame the master sends its workers and they accept from it (64KiB to "
      "16MiB); lists of input files and map outputs go in pieces that fit")(
      "stop-after-job",
      "run one job: once one is queued refuse others, and once it has ended (succeeded, failed or "
      "cancelled) and its result is sent, stop and tell the workers to exit, as on SIGTERM (the "
      "master `minimr run` starts); a submission refused before does not count")(
      "faults", po::value<std::string>(),
      "faults to inject, for tests (default: $MINIMR_FAULTS; see runtime/fault_injection.h)")(
      "tls",
      "encrypt every connection of the cluster with TLS: a self-signed certificate is made "
      "beside the connection file (mode 0600), which pins it; workers and clients follow the "
      "connection file");
  po::variables_map vm;
  if (auto status = ParseCommandLine(argc, argv, options, "minimr master", &vm)) return *status;
  MasterSettings settings;
  runtime::MasterOptions& master_options = settings.options;
  for (const char* option : {"connection-file", "advertise"}) {
    if (vm.count(option) && vm[option].as<std::string>().empty()) {
      std::cerr << "minimr master: --" << option << " wants a value, got an empty one\n";
      return 2;
    }
  }
  if (vm.count("connection-file")) {
    settings.connection_file = vm["connection-file"].as<std::string>();
  }
  if (vm.count("advertise")) settings.advertise = vm["advertise"].as<std::string>();
  settings.tls = vm.count("tls") > 0;
  master_options.stop_after_job = vm.count("stop-after-job") > 0;
  master_options.host = vm["host"].as<std::string>();
  master_options.port = static_cast<uint16_t>(vm["port"].as<int64_t>());
  struct {
    const char* option;
    Duration* value;
  } durations[] = {{"heartbeat", &master_options.heartbeat},
                   {"worker-timeout", &master_options.worker_timeout},
                   {"fetch-timeout", &master_options.fetch_timeout},
                   {"no-worker-timeout", &master_options.no_worker_timeout}};
  for (const auto& [option, value] : durations) {
    std::string text = vm[option].as<std::string>();
    auto parsed = config::ParseDuration(text);
    if (!parsed || parsed->count() == 0) {
      std::cerr << "minimr master: --" << option
                << " wants a duration such as 500ms, 10s or 2m, got '" << text << "'\n";
      return 2;
    }
    *value = *parsed;
  }
  {
    std::string text = vm["max-frame-bytes"].as<std::string>();
    std::optional<uint64_t> bytes = config::ParseByteSize(text);
    if (!bytes || *bytes < runtime::kMinFrameBytes || *bytes > wire::kMaxFrameBytes) {
      std::cerr << "minimr master: --max-frame-bytes wants a size from 64KiB to 16MiB, got '"
                << text << "'\n";
      return 2;
    }
    master_options.max_frame_bytes = static_cast<uint32_t>(*bytes);
  }
  if (master_options.worker_timeout <= master_options.heartbeat) {
    std::cerr << "minimr master: --worker-timeout must be longer than --heartbeat\n";
    return 2;
  }
  if (vm.count("faults")) {  // (without it, RunMaster reads $MINIMR_FAULTS)
    master_options.faults = vm["faults"].as<std::string>();
    try {
      runtime::FaultPlan::Parse(master_options.faults);
    } catch (const std::invalid_argument& e) {
      std::cerr << "minimr master: --faults: " << e.what() << "\n";
      return 2;
    }
  }
  return RunMaster(std::move(settings));
}

std::vector<std::string> MasterArguments(const std::string& minimr,
                                         const MasterSettings& settings) {
  const runtime::MasterOptions& options = settings.options;
  auto duration = [](Duration d) {
    return config::FormatDuration(std::chrono::duration_cast<std::chrono::milliseconds>(d));
  };
  std::vector<std::string> argv = {minimr,
                                   "master",
                                   "--host",
                                   options.host,
                                   "--port",
                                   std::to_string(options.port),
                                   "--heartbeat",
                                   duration(options.heartbeat),
                                   "--worker-timeout",
                                   duration(options.worker_timeout),
                                   "--fetch-timeout",
                                   duration(options.fetch_timeout),
                                   "--no-worker-timeout",
                                   duration(options.no_worker_timeout),
                                   "--max-frame-bytes",
                                   std::to_string(options.max_frame_bytes)};
  if (!settings.connection_file.empty()) {
    argv.insert(argv.end(), {"--connection-file", settings.connection_file});
  }
  if (!settings.advertise.empty()) argv.insert(argv.end(), {"--advertise", settings.advertise});
  if (settings.tls) argv.push_back("--tls");
  if (options.stop_after_job) argv.push_back("--stop-after-job");
  if (!options.faults.empty()) argv.insert(argv.end(), {"--faults", options.faults});
  return argv;
}

int RunMaster(MasterSettings settings) {
  const bool default_file = settings.connection_file.empty();
  const std::string path =
      default_file ? wire::DefaultConnectionFilePath() : settings.connection_file;
  runtime::MasterOptions& master_options = settings.options;
  // Faults for tests, as workers take theirs: a `minimr run`'s master is forked or exec'd with
  // the run's environment.
  if (const char* faults = std::getenv("MINIMR_FAULTS"); faults && master_options.faults.empty()) {
    master_options.faults = faults;
  }
  try {
    boost::asio::io_context io;
    master_options.key = wire::NewKey();
    // One connection file per cluster: a master holds its lock for as long as it runs, so a second
    // one neither overwrites its file nor, on exit, removes it.
    std::filesystem::path directory = std::filesystem::absolute(path).parent_path();
    if (default_file) {
      MakePrivateDirectory(directory.string());  // ~/.minimr: 0700
    } else if (!std::filesystem::exists(directory)) {
      MakePrivateDirectory(directory.string());
    }
    std::unique_ptr<FileLock> lock;
    try {
      lock = std::make_unique<FileLock>(path + ".lock");
    } catch (const FileLockBusy& busy) {
      std::cerr << "minimr master: " << path << " belongs to a master that is running ("
                << busy.what() << "); stop it first, or give this one its own --connection-file\n";
      return 1;
    }
    // A master of an older minimr takes no lock: never take over the file of one that answers.
    if (std::filesystem::exists(path)) {
      bool live = false;
      try {
        wire::ConnectionInfo other = wire::ReadConnectionFile(path);
        wire::BlockingClient probe(other.host, other.port, wire::ClientSecurity(other),
                                   std::chrono::seconds(3));
        live = true;
      } catch (const std::exception&) {
      }
      if (live) {
        std::cerr << "minimr master: " << path
                  << " belongs to a master that is running; stop it first, or give this one "
                     "its own --connection-file\n";
        return 1;
      }
    }
    wire::ConnectionInfo info;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    if (settings.tls) {
      wire::TlsIdentity identity = wire::MakeTlsIdentity();
      master_options.tls = wire::MakeTlsServerContext(identity);
      info.tls_sha256 = wire::CertificateSha256(identity.certificate_pem);
      info.tls_file = std::filesystem::path(wire::TlsFileFor(path)).filename().string();
      wire::WriteTlsFile(wire::TlsFileFor(path), identity);
    }
    // Stopped by a signal, or by the master itself (--stop-after-job), which then lets io.run()
    // return by ending this wait.
    boost::asio::signal_set signals(io);
    for (int signal : EndingSignals()) signals.add(signal);
    master_options.on_stop = [&signals] {
      boost::system::error_code ignored;
      signals.cancel(ignored);
    };
    runtime::Master master(io, master_options);

    info.host = master_options.host;
    if (!settings.advertise.empty()) {
      info.host = settings.advertise;
    } else if (info.host == "0.0.0.0" || info.host == "::") {
      char name[256] = "localhost";
      ::gethostname(name, sizeof name);
      info.host = name;
    }
    info.port = master.port();
    info.key = master_options.key;
    wire::WriteConnectionFile(path, info);
    std::cerr << "[master] listening on " << master_options.host << ":" << info.port
              << (master_options.tls ? " with TLS (certificate SHA-256 " + info.tls_sha256 + ")"
                                     : std::string())
              << "; connection file " << path << std::endl;

    // Removes the connection file only if it is still ours (it is, while we hold its lock; a file
    // some other program put there is left).
    auto remove_connection_file = [&] {
      try {
        wire::ConnectionInfo now = wire::ReadConnectionFile(path);
        if (now.port == info.port && now.key == info.key) {
          std::remove(path.c_str());
          if (!info.tls_file.empty()) std::remove(wire::TlsFileFor(path).c_str());
        }
      } catch (const std::exception&) {
      }
    };
    StopMasterOnSignals(signals, master, "[master]", remove_connection_file);
    io.run();
    remove_connection_file();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "minimr master: " << e.what() << std::endl;
    return 1;
  }
}

}  // namespace minimr::cli
