// The master under load: thousands of simulated workers on loopback against one real `minimr
// master` process, running a job of many no-op tasks through its real scheduler.
//
//   build/bench/master_load --minimr build/minimr [--workers 10,100,1000,5000] [--tasks 100000]
//                           [--heartbeat 1s] [--reduces 1]
//
// Each simulated worker speaks the real protocol (handshake, frame MACs, registration,
// heartbeats, a first task request, then reports that ask for the next task, as a worker's do).
// The job is the built-in word count over one file of `tasks` bytes cut into 1-byte splits, so
// the master plans and dispatches `tasks` map tasks as for any job; a simulated worker reports
// each task done at once (a reduce first creates its empty part file, which the master commits).
// Prints, per worker count: the job's wall time (submit to result), tasks dispatched per second,
// heartbeats answered per second, the master's CPU time over the job and its peak resident
// memory (VmHWM), and this tool's own CPU time.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "framework/src/runtime/job_output.h"
#include "framework/src/util/process.h"
#include "framework/src/wire/connection_file.h"
#include "framework/src/wire/session.h"

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using asio::ip::tcp;
using minimr::wire::MessageType;
using Clock = std::chrono::steady_clock;

// The master's listener takes at most 64 connections in their handshake and 256 from one
// address: connect a few at a time, from many loopback addresses.
constexpr int kConnectingAtOnce = 32;
constexpr int kWorkersPerAddress = 200;

struct Load {
  int registered = 0;
  int connecting = 0;
  int64_t tasks_done = 0;
  int64_t heartbeats = 0;
  bool counting_heartbeats = false;
  std::string error;
};

class SimWorker : public std::enable_shared_from_this<SimWorker> {
 public:
  SimWorker(asio::io_context& io, int id, Load& load) : io_(io), id_(id), load_(load), timer_(io) {}

  void Connect(const tcp::endpoint& master, const minimr::wire::Security& security,
               std::function<void()> on_registered) {
    on_registered_ = std::move(on_registered);
    auto socket = std::make_shared<tcp::socket>(io_);
    socket->open(tcp::v4());
    // 127.0.0.0/8 is all loopback: each group of workers comes from an address of its own.
    auto from = asio::ip::make_address_v4((127u << 24) |
                                          static_cast<uint32_t>(2 + id_ / kWorkersPerAddress));
    socket->bind(tcp::endpoint(from, 0));
    socket->async_connect(master, [self = shared_from_this(), socket,
                                   security](boost::system::error_code ec) {
      if (ec) {
        self->load_.error = "worker " + std::to_string(self->id_) + ": connect: " + ec.message();
        return;
      }
      self->Start(std::move(*socket), security);
    });
  }

  void Close() {
    timer_.cancel();
    if (session_) session_->Close();
  }

 private:
  void Start(tcp::socket socket, const minimr::wire::Security& security) {
    session_ = std::make_shared<minimr::wire::Session>(std::move(socket), security);
    std::weak_ptr<SimWorker> weak = shared_from_this();
    session_->Start(
        minimr::wire::Session::Role::kClient,
        [weak] {
          auto self = weak.lock();
          if (!self) return;
          minimr::wire::RegisterWorker hello{"127.0.0.1", 9, static_cast<int32_t>(::getpid()),
                                             "simulated " + std::to_string(self->id_)};
          self->session_->SendMessage(MessageType::kRegisterWorker, hello);
        },
        [weak](MessageType type, std::string_view body) {
          if (auto self = weak.lock()) self->OnFrame(type, body);
        },
        [weak](const std::string& reason) {
          auto self = weak.lock();
          if (self && !reason.empty() && !self->stopping_ && self->load_.error.empty()) {
            self->load_.error = "worker " + std::to_string(self->id_) + ": " + reason;
          }
        });
  }

  void OnFrame(MessageType type, std::string_view body) {
    switch (type) {
      case MessageType::kRegistered: {
        minimr::wire::Registered registered;
        minimr::wire::Decode(body, registered);
        heartbeat_ = std::chrono::milliseconds(registered.heartbeat_ms);
        ++load_.registered;
        Beat();
        session_->Send(MessageType::kTaskRequest);
        if (on_registered_) on_registered_();
        break;
      }
      case MessageType::kHeartbeat:
        if (load_.counting_heartbeats) ++load_.heartbeats;
        break;
      case MessageType::kTaskAssignment: {
        minimr::wire::TaskAssignment assignment;
        minimr::wire::Decode(body, assignment);
        if (assignment.shutdown) {
          stopping_ = true;
          return Close();
        }
        const minimr::wire::TaskSpec& task = assignment.task;
        minimr::wire::TaskReport report;
        report.job_id = task.job_id;
        report.is_map = task.is_map;
        report.index = task.index;
        report.attempt = task.attempt;
        report.ok = true;
        report.wants_task = true;
        if (!task.is_map) {
          // The part file the master commits: empty, as a reduce of nothing writes it.
          std::ofstream(
              minimr::runtime::AttemptPartPath(task.output_dir, task.index, task.attempt));
        }
        session_->SendMessage(MessageType::kTaskReport, report);
        ++load_.tasks_done;
        break;
      }
      case MessageType::kJobDone:
      case MessageType::kKillTask:
        break;
      default:
        throw std::runtime_error("unexpected message " + std::to_string(int(type)));
    }
  }

  void Beat() {
    session_->SendMessage(MessageType::kHeartbeat, minimr::wire::Heartbeat{});
    timer_.expires_after(heartbeat_);
    timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (!ec && self && !self->session_->closed()) self->Beat();
    });
  }

  asio::io_context& io_;
  int id_;
  Load& load_;
  asio::steady_timer timer_;
  std::chrono::milliseconds heartbeat_{1000};
  std::shared_ptr<minimr::wire::Session> session_;
  std::function<void()> on_registered_;
  bool stopping_ = false;
};

struct ProcessStats {
  double cpu_seconds = 0;  // user + system
  long peak_kib = 0;       // VmHWM
  long rss_kib = 0;        // VmRSS
};

ProcessStats ReadStats(pid_t pid) {
  ProcessStats stats;
  // utime and stime: fields 14 and 15 of /proc/PID/stat, [11] and [12] of what follows the name.
  const std::vector<std::string> fields = minimr::ProcessStatFields(pid);
  if (fields.size() > 12) {
    const unsigned long utime = std::stoul(fields[11]), stime = std::stoul(fields[12]);
    stats.cpu_seconds = double(utime + stime) / double(::sysconf(_SC_CLK_TCK));
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) stats.peak_kib = std::stol(line.substr(6));
    if (line.rfind("VmRSS:", 0) == 0) stats.rss_kib = std::stol(line.substr(6));
  }
  return stats;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double SelfCpuSeconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

int RunOnce(const std::string& minimr, int workers, int tasks, int reduces,
            const std::string& heartbeat) {
  fs::path dir = fs::temp_directory_path() / ("minimr-master-load-" + std::to_string(::getpid()) +
                                              "-" + std::to_string(workers));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    std::ofstream input(dir / "input");
    input << std::string(static_cast<size_t>(tasks), 'x');
  }
  std::string connection = (dir / "connection.json").string();
  minimr::ChildProcess master({minimr, "master", "--connection-file", connection, "--heartbeat",
                               heartbeat, "--worker-timeout", "120s"},
                              (dir / "master.log").string());
  for (int i = 0; i < 1000 && !fs::exists(connection); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  minimr::wire::ConnectionInfo info = minimr::wire::ReadConnectionFile(connection);
  minimr::wire::Security security = minimr::wire::ClientSecurity(info);
  tcp::endpoint endpoint(asio::ip::make_address(info.host), info.port);

  asio::io_context io;
  Load load;
  std::vector<std::shared_ptr<SimWorker>> sims;
  int next = 0;
  std::function<void()> connect_more = [&] {
    while (next < workers && load.connecting < kConnectingAtOnce) {
      auto sim = std::make_shared<SimWorker>(io, next++, load);
      sims.push_back(sim);
      ++load.connecting;
      sim->Connect(endpoint, security, [&] {
        --load.connecting;
        connect_more();
      });
    }
  };
  auto registering = Clock::now();
  connect_more();
  while (load.registered < workers && load.error.empty()) io.run_one();
  if (!load.error.empty()) {
    std::cerr << "master_load: " << load.error << "\n";
    return 1;
  }
  double register_seconds = Seconds(Clock::now() - registering);

  // The job, submitted as `minimr submit` does.
  minimr::wire::JobSubmission job;
  job.job_name = "wordcount";
  job.input_paths = {(dir / "input").string()};
  job.split_size = 1;
  job.reduce_tasks = reduces;
  job.output_dir = (dir / "out").string();
  job.config_yaml = "# master_load";
  tcp::socket client_socket(io);
  client_socket.connect(endpoint);
  auto client = std::make_shared<minimr::wire::Session>(std::move(client_socket), security);
  bool finished = false;
  minimr::wire::JobStatus result;
  ProcessStats before = ReadStats(master.pid());
  double self_before = SelfCpuSeconds();
  auto submitted = Clock::now();
  load.counting_heartbeats = true;
  client->Start(
      minimr::wire::Session::Role::kClient,
      [&] { client->SendMessage(MessageType::kSubmitJob, job); },
      [&](MessageType type, std::string_view body) {
        if (type != MessageType::kJobResult) return;
        minimr::wire::Decode(body, result);
        finished = true;
      },
      [&](const std::string& reason) {
        if (!finished) load.error = "the client's connection: " + reason;
      });
  while (!finished && load.error.empty()) io.run_one();
  auto ended = Clock::now();
  load.counting_heartbeats = false;
  ProcessStats after = ReadStats(master.pid());
  double self_cpu = SelfCpuSeconds() - self_before;
  if (!load.error.empty() || !result.ok) {
    std::cerr << "master_load: the job failed: " << (load.error.empty() ? result.error : load.error)
              << "\n";
    return 1;
  }
  double seconds = Seconds(ended - submitted);
  int64_t total = int64_t(tasks) + reduces;
  std::printf("| %d | %d | %lld | %.2f | %.2f | %.0f | %.0f | %.2f (%.0f%%) | %.1f | %.2f |\n",
              workers, tasks, static_cast<long long>(load.tasks_done), register_seconds, seconds,
              double(total) / seconds, double(load.heartbeats) / seconds,
              after.cpu_seconds - before.cpu_seconds,
              100 * (after.cpu_seconds - before.cpu_seconds) / seconds,
              double(after.peak_kib) / 1024, self_cpu);
  std::fflush(stdout);
  // More attempts than tasks are backups of stragglers (speculation), which a loaded machine makes.
  if (load.tasks_done < total) {
    std::cerr << "master_load: " << load.tasks_done << " attempts reported, expected at least "
              << total << "\n";
    return 1;
  }

  for (auto& sim : sims) sim->Close();
  client->Close();
  io.poll();
  master.Signal(SIGTERM);
  master.WaitFor(std::chrono::seconds(30));
  fs::remove_all(dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string minimr = "build/minimr";
  std::vector<int> counts = {10, 100, 1000, 5000};
  int tasks = 100000;
  int reduces = 1;
  std::string heartbeat = "1s";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "master_load: " << arg << " wants a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    try {
      if (arg == "--minimr") {
        minimr = value();
      } else if (arg == "--tasks") {
        tasks = std::stoi(value());
      } else if (arg == "--reduces") {
        reduces = std::stoi(value());
      } else if (arg == "--heartbeat") {
        heartbeat = value();
      } else if (arg == "--workers") {
        counts.clear();
        std::stringstream list(value());
        for (std::string n; std::getline(list, n, ',');) counts.push_back(std::stoi(n));
      } else {
        std::cerr << "usage: master_load [--minimr PATH] [--workers 10,100,1000,5000] "
                     "[--tasks 100000] [--reduces 1] [--heartbeat 1s]\n";
        return 2;
      }
    } catch (const std::exception&) {
      std::cerr << "master_load: " << arg << " wants a number\n";
      return 2;
    }
  }
  if (tasks < 1 || reduces < 1) {
    std::cerr << "master_load: --tasks and --reduces must be at least 1\n";
    return 2;
  }
  // Each simulated worker is a socket here and one in the master, which inherits this limit.
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &files);
  for (int n : counts) {
    if (static_cast<rlim_t>(n) + 256 > files.rlim_cur) {
      std::cerr << "master_load: " << n << " workers need more open files than the limit ("
                << files.rlim_cur << ")\n";
      return 2;
    }
  }
  std::printf(
      "| simulated workers | no-op map tasks | attempts run | registration s | job s "
      "| tasks/s | heartbeats/s | master CPU s (of the job's time) | master peak RSS MiB "
      "| load tool CPU s |\n|---|---|---|---|---|---|---|---|---|---|\n");
  for (int n : counts) {
    if (int status = RunOnce(minimr, n, tasks, reduces, heartbeat)) return status;
  }
  return 0;
}
