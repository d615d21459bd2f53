// minimr cluster start|status|stop: a cluster that lives across jobs. `start` launches a
// supervisor (`minimr cluster serve`, detached) that runs the master, starts the workers through
// the profile's launcher and keeps the cluster at its size; `stop` ends it and everything it
// started; `status` shows the master and every worker.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "framework/src/cli/commands.h"
#include "framework/src/cli/master_signals.h"
#include "framework/src/runtime/master.h"
#include "framework/src/util/ending_signals.h"
#include "framework/src/util/file_lock.h"
#include "framework/src/util/private_dir.h"
#include "framework/src/util/process.h"
#include "framework/src/wire/archive.h"
#include "framework/src/wire/blocking_client.h"
#include "framework/src/wire/connection_file.h"
#include "launcher/cluster_profile.h"
#include "launcher/grid_engine.h"
#include "launcher/launcher.h"
#include "launcher/sge_launcher.h"
#include "minimr/atomic_file.h"
#include "minimr/command_line.h"

namespace minimr::cli {

namespace po = boost::program_options;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kUsage = R"(usage: minimr cluster start|status|stop [options]

  start --profile P [-n N] [--dry-run] [--tls]
                                         start a master and N workers (profile P: local, sge,
                                         or a profile file), and wait until they are registered;
                                         --tls: every connection of the cluster in TLS
  status --profile P                     the master and each worker, with its SGE task and host
  stop --profile P                       stop the workers (qdel) and the master
Jobs run on it with: minimr submit JOB.yaml --profile P
)";

std::string StatePath(const launcher::ClusterProfile& p) { return p.shared_dir + "/cluster.json"; }
std::string ConnectionPath(const launcher::ClusterProfile& p) {
  return p.shared_dir + "/connection.json";
}
// Held by the cluster's master for as long as it runs: one master per connection file.
std::string ConnectionLockPath(const launcher::ClusterProfile& p) {
  return ConnectionPath(p) + ".lock";
}

// Removes the connection file of a cluster that has stopped: not while a master holds its lock.
void RemoveStaleConnectionFile(const launcher::ClusterProfile& p) {
  if (IsLocked(ConnectionLockPath(p))) return;
  std::remove(ConnectionPath(p).c_str());
  std::remove(wire::TlsFileFor(ConnectionPath(p)).c_str());
}

nlohmann::json ReadState(const launcher::ClusterProfile& profile) {
  std::ifstream in(StatePath(profile));
  if (!in) return nullptr;
  try {
    return nlohmann::json::parse(in);
  } catch (const std::exception&) {
    return nullptr;
  }
}

// Whether the supervisor still runs: its process here, or its Grid Engine job.
bool Alive(const nlohmann::json& state) {
  if (!state.is_object()) return false;
  std::string job = state.value("sge_job", std::string());
  if (!job.empty()) {
    try {
      return !launcher::GridEngine::Tasks({job}).empty();
    } catch (const std::exception&) {
      return true;  // qstat cannot say: assume it still runs
    }
  }
  // A supervisor that has exited but is not reaped yet (its parent is init, which may take a
  // while) has stopped.
  int pid = state.value("pid", 0);
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  const std::vector<std::string> fields = ProcessStatFields(pid);
  return fields.empty() || fields[0] != "Z";
}

// Asks the master which workers it has; throws if it cannot be reached.
wire::ClusterInfo AskMaster(const launcher::ClusterProfile& profile) {
  wire::ConnectionInfo info = wire::ReadConnectionFile(ConnectionPath(profile));
  wire::BlockingClient client(info.host, info.port, wire::ClientSecurity(info),
                              std::chrono::seconds(10));
  client.Send(wire::MessageType::kClusterStatus, "");
  wire::MessageType type;
  std::string body;
  client.Receive(&type, &body);
  wire::ClusterInfo cluster;
  wire::Decode(body, cluster);
  return cluster;
}

struct Options {
  std::string profile;
  int workers = 0;  // 0: the profile's
  bool dry_run = false;
  bool tls = false;
};

std::optional<int> Parse(int argc, char** argv, const char* command, Options* options) {
  po::options_description description(std::string("usage: minimr cluster ") + command +
                                      " [options]\n\noptions");
  description.add_options()("help,h", "this help")(
      "profile", po::value<std::string>()->required(),
      "the cluster profile: local, sge (configs/clusters/NAME.yaml) or a file")(
      "workers,n", IntegerOption(1, 10000),
      "how many workers, 1 to 10000 (default: the profile's)")(
      "dry-run", "print the job script and qsub command; submit nothing")(
      "tls",
      "start: encrypt every connection of the cluster with TLS (a self-signed certificate "
      "beside the connection file, pinned by it)");
  po::variables_map vm;
  std::string name = std::string("minimr cluster ") + command;
  if (auto status = ParseCommandLine(argc, argv, description, name.c_str(), &vm)) return status;
  options->profile = vm["profile"].as<std::string>();
  options->workers = vm.count("workers") ? static_cast<int>(vm["workers"].as<int64_t>()) : 0;
  options->dry_run = vm.count("dry-run") > 0;
  options->tls = vm.count("tls") > 0;
  return std::nullopt;
}

launcher::ClusterProfile Profile(const Options& options) {
  launcher::ClusterProfile profile = launcher::LoadClusterProfile(options.profile);
  if (options.workers > 0) profile.workers = options.workers;
  return profile;
}

launcher::WorkerLaunch LaunchOf(const launcher::ClusterProfile& profile) {
  launcher::WorkerLaunch launch;
  launch.minimr = minimr::SelfExecutable();
  launch.connection_file = ConnectionPath(profile);
  launch.workers = profile.workers;
  launch.log_dir = profile.shared_dir + "/logs";
  launch.work_dir = "";
  launch.max_replacements = profile.max_resubmits;
  return launch;
}

void WriteState(const launcher::ClusterProfile& profile, const nlohmann::json& state) {
  WriteFileAtomically(StatePath(profile), state.dump(2) + "\n");
}

// The supervisor: master in this process, workers through the launcher, the cluster kept at its
// size, until SIGTERM or SIGINT.
int Serve(const Options& options) {
  launcher::ClusterProfile profile = Profile(options);
  std::unique_ptr<FileLock> connection_lock;
  try {
    connection_lock = std::make_unique<FileLock>(ConnectionLockPath(profile));
  } catch (const FileLockBusy& busy) {
    std::cerr << "[cluster] " << ConnectionPath(profile) << " belongs to a master that is running ("
              << busy.what() << ")" << std::endl;
    return 1;
  }
  boost::asio::io_context io;
  runtime::MasterOptions master_options;
  bool sge = profile.launcher == "sge";
  master_options.host = sge ? "0.0.0.0" : "127.0.0.1";
  master_options.key = wire::NewKey();
  wire::ConnectionInfo info;
  if (options.tls) {
    wire::TlsIdentity identity = wire::MakeTlsIdentity();
    master_options.tls = wire::MakeTlsServerContext(identity);
    info.tls_sha256 = wire::CertificateSha256(identity.certificate_pem);
    info.tls_file = fs::path(wire::TlsFileFor(ConnectionPath(profile))).filename().string();
    wire::WriteTlsFile(wire::TlsFileFor(ConnectionPath(profile)), identity);
  }
  // Stopped by a signal, or by `minimr cluster stop`'s request to the master, which then ends
  // these waits at once so that io.run() returns.
  boost::asio::steady_timer keeper(io);
  boost::asio::signal_set signals(io);
  for (int signal : EndingSignals()) signals.add(signal);
  master_options.on_stop = [&keeper, &signals] {
    boost::system::error_code ignored;
    keeper.cancel();
    signals.cancel(ignored);
  };
  runtime::Master master(io, master_options);
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  info.host = sge ? host : "127.0.0.1";
  info.port = master.port();
  info.key = master_options.key;
  wire::WriteConnectionFile(ConnectionPath(profile), info);
  std::cerr << "[cluster] master listening on " << master_options.host << ":" << info.port
            << " (workers connect to " << info.host << ":" << info.port << ")" << std::endl;

  auto workers = launcher::MakeLauncher(profile);
  const char* job_id = std::getenv("JOB_ID");
  nlohmann::json state = {{"pid", ::getpid()},          {"host", host},
                          {"sge_job", profile.master == "job" && job_id ? job_id : ""},
                          {"port", info.port},          {"launcher", profile.launcher},
                          {"workers", profile.workers}, {"profile", profile.source},
                          {"problem", ""}};
  try {
    workers->Start(LaunchOf(profile));
  } catch (const std::exception& e) {
    state["problem"] = e.what();
    WriteState(profile, state);
    std::cerr << "[cluster] " << e.what() << std::endl;
    std::remove(ConnectionPath(profile).c_str());
    std::remove(wire::TlsFileFor(ConnectionPath(profile)).c_str());
    return 1;
  }
  state["where"] = workers->Describe();
  WriteState(profile, state);
  std::cerr << "[cluster] workers: " << workers->Describe() << std::endl;

  std::function<void()> keep = [&] {
    if (master.stopped()) return;  // a tick that was already due when the master stopped
    for (const std::string& line : workers->ReplaceDead())
      std::cerr << "[cluster] " << line << std::endl;
    std::string problem = workers->Problem();
    if (problem != state["problem"].get<std::string>()) {
      state["problem"] = problem;
      state["where"] = workers->Describe();
      WriteState(profile, state);
      if (!problem.empty()) std::cerr << "[cluster] " << problem << std::endl;
    }
    keeper.expires_after(std::chrono::seconds(1));
    keeper.async_wait([&](boost::system::error_code ec) {
      if (!ec) keep();
    });
  };
  keep();
  auto remove_files = [&] {
    std::remove(ConnectionPath(profile).c_str());
    std::remove(wire::TlsFileFor(ConnectionPath(profile)).c_str());
    std::remove(StatePath(profile).c_str());
  };
  // (A second signal: local workers get SIGTERM as this process goes, PR_SET_PDEATHSIG; Grid
  // Engine's leave once they find their master gone.)
  bool signalled = false;
  StopMasterOnSignals(signals, master, "[cluster]", remove_files, &signalled);
  io.run();
  // (An interrupted `cluster start`: its workers may not have reached the master yet.)
  workers->Stop(signalled ? launcher::Launcher::StopReason::kInterrupted
                          : launcher::Launcher::StopReason::kMasterGone);
  remove_files();
  std::cerr << "[cluster] stopped" << std::endl;
  return 0;
}

// The signal that interrupted `minimr cluster start` while it waited for its cluster.
std::atomic<int> g_start_interrupted{0};

void OnStartSignal(int signal) { g_start_interrupted = signal; }

int Start(const Options& options) {
  launcher::ClusterProfile profile = Profile(options);
  if (options.dry_run) {
    if (profile.launcher != "sge") {
      std::cout << "# " << profile.workers << " x: " << minimr::SelfExecutable()
                << " worker --connection-file " << ConnectionPath(profile) << "\n";
      return 0;
    }
    launcher::SgeLauncher sge(profile);
    std::cout << sge.DryRun(LaunchOf(profile));
    return 0;
  }
  if (profile.launcher == "sge" && !launcher::GridEngine::Available() &&
      !launcher::SgeLauncher::InParallelEnvironment()) {
    std::cerr << "minimr cluster start: qsub is not on the PATH: is this a Grid Engine submit "
                 "host? (source the cell's settings.sh)\n";
    return 1;
  }
  MakePrivateDirectory(profile.shared_dir);
  fs::create_directories(profile.shared_dir + "/logs");
  if (Alive(ReadState(profile)) || IsLocked(ConnectionLockPath(profile))) {
    std::cerr << "minimr cluster start: a cluster is already running from " << profile.shared_dir
              << " (minimr cluster status --profile " << options.profile << ")\n";
    return 1;
  }
  std::remove(StatePath(profile).c_str());
  RemoveStaleConnectionFile(profile);
  // From here on an interrupt stops what this command starts (the supervisor, detached, would
  // not hear it).
  struct sigaction action {};
  action.sa_handler = OnStartSignal;
  for (int signal : EndingSignals()) ::sigaction(signal, &action, nullptr);
  auto started = Clock::now();
  std::string log = profile.shared_dir + "/cluster.log";
  std::vector<std::string> argv = {minimr::SelfExecutable(), "cluster", "serve", "--profile",
                                   profile.source, "-n", std::to_string(profile.workers)};
  if (options.tls) argv.push_back("--tls");
  std::optional<minimr::ChildProcess> local;
  std::string master_job;
  if (profile.master == "job") {
    // The supervisor as a parallel-environment job: its workers in its own slots.
    std::string script = profile.shared_dir + "/master.sh";
    std::string text = "#!/bin/bash\n# minimr's master for the cluster '" + profile.name +
                       "', written by minimr cluster start.\nexec";
    for (const auto& word : argv) text += " '" + word + "'";
    WriteFileAtomically(script, text + "\n", 0700, /*durable=*/false);
    ::chmod(script.c_str(), 0700);  // executable whatever the umask
    std::vector<std::string> qsub = {"-N", "minimr-master-" + profile.name, "-pe",
                                     profile.parallel_environment, std::to_string(profile.workers),
                                     "-o", log, "-j", "y", "-S", "/bin/bash"};
    std::vector<std::string> resources = launcher::SgeLauncher::ResourceArgs(profile);
    qsub.insert(qsub.end(), resources.begin(), resources.end());
    qsub.push_back(script);
    master_job = launcher::GridEngine::Submit(qsub);
  } else {
    local.emplace(minimr::ChildProcess::Detached(argv, log));
  }
  auto supervisor_running = [&] {
    if (local) return local->Running();
    try {
      return !launcher::GridEngine::Tasks({master_job}).empty();
    } catch (const std::exception&) {
      return true;
    }
  };
  // Ends the supervisor; false if it may not have ended yet.
  auto supervisor_end = [&] {
    if (local) {
      local->Signal(SIGTERM);
      return local->WaitFor(std::chrono::seconds(120));
    }
    launcher::GridEngine::Delete(master_job);
    return false;  // qdel only asks
  };
  auto deadline = started + profile.pending_timeout + profile.register_timeout;
  size_t registered = 0;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (const int signal = g_start_interrupted) {
      // Ctrl-C before the cluster is up: what was started goes, rather than run on unseen. A
      // second signal ends this command as it would have without the handler.
      for (int ending : {SIGINT, SIGTERM, SIGHUP}) {
        struct sigaction now {};
        if (::sigaction(ending, nullptr, &now) == 0 && now.sa_handler == OnStartSignal) {
          ::signal(ending, SIG_DFL);
        }
      }
      std::cerr << "minimr cluster start: interrupted by SIG" << ::sigabbrev_np(signal)
                << "; stopping the cluster it had started" << std::endl;
      if (supervisor_end()) {
        std::cerr << "minimr cluster start: stopped" << std::endl;
      } else {
        std::cerr << "minimr cluster start: it may still be stopping (minimr cluster status "
                     "--profile "
                  << options.profile << ")" << std::endl;
      }
      return 128 + signal;
    }
    nlohmann::json state = ReadState(profile);
    bool running = supervisor_running();
    if (state.is_object() && !state["problem"].get<std::string>().empty()) {
      std::cerr << "minimr cluster start: " << state["problem"].get<std::string>()
                << "\n(the supervisor's log: " << log << ")\n";
      supervisor_end();
      return 1;
    }
    if (!running) {
      std::cerr << "minimr cluster start: the cluster's supervisor "
                << (local ? local->Ending() : "job " + master_job + " ended")
                << "; its log, " << log << ":\n"
                << minimr::RunCommand({"tail", "-20", log}, std::chrono::seconds(5)).output;
      return 1;
    }
    if (fs::exists(ConnectionPath(profile))) {
      try {
        registered = AskMaster(profile).workers.size();
      } catch (const std::exception&) {
      }
    }
    if (registered >= static_cast<size_t>(profile.workers)) break;
    if (Clock::now() > deadline) {
      std::cerr << "minimr cluster start: only " << registered << " of " << profile.workers
                << " workers reached the master within "
                << std::chrono::duration_cast<std::chrono::seconds>(deadline - started).count()
                << " s; the cluster keeps running (minimr cluster status/stop --profile "
                << options.profile << "). Worker logs: " << profile.shared_dir << "/logs/\n";
      return 1;
    }
  }
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  nlohmann::json state = ReadState(profile);
  std::cout << "Cluster '" << profile.name << "' started in " << std::fixed << std::setprecision(2)
            << seconds << " s: master " << state.value("host", "?") << ":"
            << state.value("port", 0) << ", " << registered << " workers registered ("
            << state.value("where", std::string()) << ").\n"
            << "Run jobs with: minimr submit JOB.yaml --profile " << options.profile << "\n";
  return 0;
}

int Status(const Options& options) {
  launcher::ClusterProfile profile = Profile(options);
  nlohmann::json state = ReadState(profile);
  if (!Alive(state)) {
    std::cout << "No cluster is running from " << profile.shared_dir << ".\n";
    return 3;
  }
  std::string job = state.value("sge_job", std::string());
  std::cout << "master: " << state.value("host", "?") << ":" << state.value("port", 0)
            << (job.empty() ? " (supervisor pid " + std::to_string(state.value("pid", 0)) + ")"
                            : " (Grid Engine job " + job + ")")
            << ", " << state.value("where", std::string()) << "\n";
  if (!state.value("problem", std::string()).empty()) {
    std::cout << "problem: " << state["problem"].get<std::string>() << "\n";
  }
  wire::ClusterInfo info;
  try {
    info = AskMaster(profile);
  } catch (const std::exception& e) {
    std::cout << "the master does not answer: " << e.what() << "\n";
    return 1;
  }
  std::cout << info.workers.size() << " workers registered, " << info.jobs_queued
            << " jobs running or queued\n";
  std::cout << std::left << std::setw(30) << "  worker" << std::setw(18) << "host"
            << "doing\n";
  for (const auto& w : info.workers) {
    std::cout << "  " << std::setw(28) << w.name << std::setw(18) << w.host << w.doing << "\n";
  }
  if (profile.launcher == "sge") {
    std::cout << "Grid Engine:\n"
              << minimr::RunCommand({"qstat", "-g", "d"}, std::chrono::seconds(30)).output;
  }
  std::cout << "logs: " << profile.shared_dir << "/logs/, " << profile.shared_dir << "/cluster.log\n";
  return 0;
}

int Stop(const Options& options) {
  launcher::ClusterProfile profile = Profile(options);
  nlohmann::json state = ReadState(profile);
  if (!Alive(state)) {
    std::cout << "No cluster is running from " << profile.shared_dir << ".\n";
    return 0;
  }
  // The master stops on request (the supervisor then stops its workers and ends); a supervisor
  // on this host also hears SIGTERM.
  try {
    wire::ConnectionInfo info = wire::ReadConnectionFile(ConnectionPath(profile));
    wire::BlockingClient client(info.host, info.port, wire::ClientSecurity(info),
                                std::chrono::seconds(10));
    client.Send(wire::MessageType::kShutdown, "");
  } catch (const std::exception& e) {
    if (state.value("sge_job", std::string()).empty()) ::kill(state.value("pid", 0), SIGTERM);
  }
  std::string job = state.value("sge_job", std::string());
  // A look at a pid is cheap; one at a Grid Engine job is a qstat.
  const auto between_looks = std::chrono::milliseconds(job.empty() ? 20 : 500);
  auto stopped_within = [&](std::chrono::seconds patience) {
    for (auto until = Clock::now() + patience; Alive(state) && Clock::now() < until;) {
      std::this_thread::sleep_for(between_looks);
    }
    return !Alive(state);
  };
  bool stopped = stopped_within(std::chrono::seconds(120));
  if (!stopped && !job.empty()) {  // a master job that did not end: qdel it
    launcher::GridEngine::Delete(job);
    stopped = stopped_within(std::chrono::seconds(60));
  }
  if (!stopped) {
    std::cerr << "minimr cluster stop: the cluster did not stop; see " << profile.shared_dir
              << "/cluster.log\n";
    return 1;
  }
  RemoveStaleConnectionFile(profile);
  std::remove(StatePath(profile).c_str());
  std::cout << "Cluster '" << profile.name << "' stopped.\n";
  return 0;
}

}  // namespace

int ClusterCommand(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  std::string command = argv[1];
  Options options;
  if (auto status = Parse(argc - 1, argv + 1, command.c_str(), &options)) return *status;
  try {
    if (command == "start") return Start(options);
    if (command == "status") return Status(options);
    if (command == "stop") return Stop(options);
    if (command == "serve") return Serve(options);
  } catch (const std::exception& e) {
    std::cerr << "minimr cluster " << command << ": " << e.what() << std::endl;
    return 1;
  }
  std::cerr << "minimr cluster: unknown command '" << command << "'\n\n" << kUsage;
  return 2;
}

}  // namespace minimr::cli
