#include "framework/src/runtime/worker.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <tuple>

#include "framework/src/plugin/plugin.h"
#include "framework/src/runtime/crash_reporter.h"
#include "framework/src/runtime/fault_injection.h"
#include "framework/src/runtime/fetch_connections.h"
#include "framework/src/runtime/map_output_server.h"
#include "framework/src/runtime/map_task.h"
#include "framework/src/runtime/master_lists.h"
#include "framework/src/runtime/reduce_task.h"
#include "framework/src/runtime/scratch_dir.h"
#include "framework/src/util/ending_signals.h"
#include "framework/src/util/process.h"
#include "framework/src/wire/blocking_client.h"
#include "framework/src/wire/session.h"
#include "minimr/input.h"

namespace minimr::runtime {

namespace asio = boost::asio;
using asio::ip::tcp;
using SteadyTime = std::chrono::steady_clock;

namespace {

// How long a worker keeps trying to reach its master, and waits for it to answer the registration.
constexpr auto kConnectPatience = std::chrono::seconds(30);

// A map output that never spilled and needs at most kMaxMemoryOutputBytes stays in the worker's
// memory, up to a quarter of the task's map.sort_buffer for all of them (16 MiB at the default);
// the rest are files in the scratch directory. A small task spent more on creating its file than
// on its work (on ext4 here, most of the system time of a job of 10,080 small tasks).
constexpr uint64_t kMaxMemoryOutputBytes = 1 << 20;
constexpr uint64_t kMemoryOutputsShare = 4;  // of map.sort_buffer
// What keeping one costs beside its bytes (its string, shared_ptr and map entry), counted too,
// so that a million tiny outputs do not hold far more than the budget says.
constexpr uint64_t kMemoryOutputOverhead = 160;

uint64_t MemoryCost(const StoredMapOutput& output) {
  return output.bytes ? output.bytes->size() + kMemoryOutputOverhead : 0;
}

std::string DescribeTask(const wire::TaskSpec& task) {
  return std::string(task.is_map ? "map" : "reduce") + " task " + std::to_string(task.index) +
         " attempt " + std::to_string(task.attempt);
}

}  // namespace

class Worker::Impl {
 public:
  explicit Impl(WorkerOptions options)
      : options_(std::move(options)),
        heartbeat_timer_(io_),
        signals_(io_),
        warnings_(io_, SIGUSR1, SIGUSR2),
        crash_pipe_(io_) {
    for (int signal : EndingSignals()) signals_.add(signal);
  }

  int Run();

 private:
  using OutputKey = std::tuple<uint64_t, int, int>;  // job, map task, attempt

  void Log(const std::string& line) { std::cerr << "[worker " << name_ << "] " << line << std::endl; }
  void Connect();
  void OnMasterFrame(wire::MessageType type, std::string_view body);
  void Heartbeat();
  std::optional<StoredMapOutput> FindOutput(uint64_t job, int map, int attempt);
  void RunTasks();
  wire::TaskReport RunTask(const wire::TaskSpec& task);
  // The job a task belongs to: built in, or from its plugin (fetched from the master if this
  // machine cannot read the plugin's path). Throws std::runtime_error naming the plugin.
  const JobDefinition* FindTaskJob(const wire::TaskSpec& task);
  std::string FetchPlugin(uint64_t job_id);
  // The job's input files: from the master the first time, then from input_files_.
  std::shared_ptr<const InputFiles> JobInputFiles(uint64_t job_id);
  MasterAddress master_address() const {
    return {options_.master_host, options_.master_port, options_.security, max_frame_bytes_};
  }
  void WatchForCrash();
  void Stop(int exit_code);
  // Leaves in good order: abandons the running task, hands the work back, exits with 0.
  void Leave(const std::string& reason);
  bool TimeForAnotherTask() const;

  WorkerOptions options_;
  FaultPlan faults_;
  std::string name_;
  std::unique_ptr<ScratchDir> scratch_;
  std::set<std::string> probed_plugins_;  // by SHA-256; touched by the task thread only
  asio::io_context io_;
  asio::steady_timer heartbeat_timer_;
  std::unique_ptr<MapOutputServer> server_;
  // Connections to map-output servers, for this worker's reduce tasks; made at registration.
  std::unique_ptr<FetchConnections> fetch_connections_;
  asio::signal_set signals_;
  asio::signal_set warnings_;  // Grid Engine's: the run-time is nearly up
  bool leaving_ = false;
  SteadyTime::time_point started_ = SteadyTime::now();
  double slowest_task_seconds_ = 0;  // on the io thread
  asio::posix::stream_descriptor crash_pipe_;
  int crash_signal_ = 0;
  int signalled_ = 0;  // SIGINT, SIGTERM or SIGHUP arrived
  std::shared_ptr<wire::Session> master_;
  std::string master_address_;
  std::string data_host_;
  int heartbeat_ms_ = 1000;
  int master_timeout_ms_ = 10000;
  int fetch_timeout_ms_ = 10000;
  bool registered_ = false;
  SteadyTime::time_point last_heard_;
  int exit_code_ = 1;
  bool stopping_ = false;  // an ordinary end: losing the master is no news
  bool stopped_ = false;

  // Shared with the task thread.
  std::thread runner_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<wire::TaskSpec> next_task_;  // given by the master, waiting to start
  bool next_cancelled_ = false;  // killed (or its job over) before it started: it fails at once
  bool stall_over_ = false;      // the fault stall-after-maps: the worker was continued
  std::optional<wire::TaskSpec> current_task_;
  bool runner_stop_ = false;
  std::atomic<bool> runner_busy_{false};
  std::atomic<bool> cancel_{false};
  std::atomic<uint64_t> progress_bytes_{0};
  std::atomic<uint32_t> max_frame_bytes_{wire::kMaxFrameBytes};  // from the registration
  std::map<OutputKey, StoredMapOutput> outputs_;
  uint64_t memory_output_bytes_ = 0;  // MemoryCost of the outputs_ kept in memory
  // Jobs the master has said are over: a map task of one that finishes after it keeps nothing.
  std::set<uint64_t> ended_jobs_;
  // Each running job's input files, from the master: with the first map task of the job here,
  // or read by that task when the list is too long to come with it.
  std::map<uint64_t, std::shared_ptr<const InputFiles>> input_files_;
};

Worker::Worker(WorkerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Worker::~Worker() = default;
int Worker::Run() { return impl_->Run(); }

int Worker::Impl::Run() {
  faults_ = FaultPlan::Parse(options_.faults);
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  name_ = options_.name.empty() ? std::string(host) + ":" + std::to_string(::getpid())
                                : options_.name;
  if (options_.work_dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    options_.work_dir = tmp && *tmp ? tmp : "/tmp";
  }
  // A signal stops the worker whenever it comes, while it still connects too.
  signals_.async_wait([this](boost::system::error_code ec, int signal) {
    if (ec) return;
    Log(std::string("stopping on SIG") + ::sigabbrev_np(signal));
    signalled_ = signal;
    if (master_) Stop(128 + signal);
  });
  warnings_.async_wait([this](boost::system::error_code ec, int signal) {
    if (!ec) Leave(std::string("Grid Engine's warning signal SIG") + ::sigabbrev_np(signal));
  });
  try {
    scratch_ = std::make_unique<ScratchDir>(options_.work_dir);
    Connect();
  } catch (const std::exception& e) {
    Log(e.what());
    scratch_.reset();
    return signalled_ ? 128 + signalled_ : 1;
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) == 0) {
    crash_pipe_.assign(pipe_fds[0]);
    CrashReporter::Install(pipe_fds[1], ::pthread_self());
    WatchForCrash();
  }
  runner_ = std::thread([this] { RunTasks(); });
  io_.run();

  {
    std::lock_guard lock(mu_);
    runner_stop_ = true;
  }
  cv_.notify_all();
  if (runner_busy_) {
    // A task is still running and nobody wants its result: do not wait for it.
    Log("exiting with a task unfinished");
    scratch_->Remove();  // not reset: the task's thread may still read its path
    std::cerr.flush();
    std::_Exit(exit_code_);
  }
  runner_.join();
  scratch_.reset();
  return exit_code_;
}

void Worker::Impl::Connect() {
  // The master may still be starting: try for a while, each try with its own deadline.
  tcp::socket socket(io_);
  auto deadline = SteadyTime::now() + kConnectPatience;
  master_address_ = options_.master_host + ":" + std::to_string(options_.master_port);
  for (;;) {
    boost::system::error_code error = asio::error::timed_out;
    bool done = false;
    std::string lookup_error;
    try {
      // Each lookup within the time that is left (and 10 s at most), however the name service
      // behaves.
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyTime::now());
      tcp::resolver::results_type endpoints = wire::ResolveWithin(
          options_.master_host, options_.master_port,
          std::clamp(left, std::chrono::milliseconds(100), std::chrono::milliseconds(10000)));
      asio::async_connect(socket, endpoints,
                          [&](boost::system::error_code ec, const tcp::endpoint&) {
                            error = ec;
                            done = true;
                          });
    } catch (const std::exception& e) {
      lookup_error = e.what();
      done = true;
    }
    io_.restart();
    while (!done && !signalled_ && SteadyTime::now() < deadline) {
      io_.run_one_for(std::chrono::milliseconds(100));
    }
    if (!done) {
      boost::system::error_code ignored;
      socket.close(ignored);
      while (!done) io_.run_one();
    }
    if (signalled_) throw std::runtime_error("stopped while connecting to the master");
    if (done && !error && lookup_error.empty()) break;
    if (SteadyTime::now() > deadline) {
      throw std::runtime_error("cannot reach the master at " + master_address_ + ": " +
                               (lookup_error.empty() ? error.message() : lookup_error));
    }
    io_.restart();
    io_.run_for(std::chrono::milliseconds(200));  // a pause that still hears signals
    if (signalled_) throw std::runtime_error("stopped while connecting to the master");
  }
  io_.restart();
  // Serve map output on the address this host reaches the master from.
  auto local = socket.local_endpoint().address();
  data_host_ = local.to_string();
  server_ = std::make_unique<MapOutputServer>(
      io_, tcp::endpoint(local, 0), options_.security, options_.limits,
      [this](const std::string& line) { Log("map-output server: " + line); },
      [this](uint64_t job, int map, int attempt) { return FindOutput(job, map, attempt); },
      faults_.hang_fetch());

  master_ = std::make_shared<wire::Session>(std::move(socket), options_.security);
  master_->Start(
      wire::Session::Role::kClient,
      [this] {
        wire::RegisterWorker hello{data_host_, server_->port(), static_cast<int32_t>(::getpid()),
                                   name_};
        master_->SendMessage(wire::MessageType::kRegisterWorker, hello);
      },
      [this](wire::MessageType type, std::string_view body) { OnMasterFrame(type, body); },
      [this](const std::string& reason) {
        if (crash_signal_) CrashReporter::Die(crash_signal_);
        if (!stopping_ && !leaving_) {
          Log("lost the master at " + master_address_ + (reason.empty() ? "" : ": " + reason));
        }
        Stop(exit_code_);
      });
  // Registration has a deadline too.
  heartbeat_timer_.expires_after(kConnectPatience);
  heartbeat_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || registered_) return;
    Log("the master at " + master_address_ + " did not answer the registration within " +
        std::to_string(kConnectPatience.count()) + " s");
    Stop(1);
  });
}

void Worker::Impl::OnMasterFrame(wire::MessageType type, std::string_view body) {
  last_heard_ = SteadyTime::now();
  switch (type) {
    case wire::MessageType::kRegistered: {
      wire::Registered registered;
      wire::Decode(body, registered);
      registered_ = true;
      heartbeat_ms_ = std::max(50, registered.heartbeat_ms);
      master_timeout_ms_ = std::max(heartbeat_ms_ * 2, registered.master_timeout_ms);
      fetch_timeout_ms_ = std::max(100, registered.fetch_timeout_ms);
      max_frame_bytes_ = registered.max_frame_bytes;
      master_->SetMaxFrameBytes(registered.max_frame_bytes);
      fetch_connections_ = std::make_unique<FetchConnections>(
          options_.security, std::chrono::milliseconds(fetch_timeout_ms_));
      Log("registered with the master as worker " + std::to_string(registered.worker_id));
      heartbeat_timer_.cancel();
      Heartbeat();
      master_->Send(wire::MessageType::kTaskRequest);
      break;
    }
    case wire::MessageType::kHeartbeat:
      break;
    case wire::MessageType::kTaskAssignment: {
      wire::TaskAssignment assignment;
      wire::Decode(body, assignment);
      if (assignment.shutdown) {
        stopping_ = true;
        Stop(0);
        return;
      }
      wire::TaskSpec& task = assignment.task;
      if (task.input_paths.size() != task.input_sizes.size()) {
        throw wire::DecodeError("an assignment with " + std::to_string(task.input_paths.size()) +
                                " input paths and " + std::to_string(task.input_sizes.size()) +
                                " sizes");
      }
      {
        std::lock_guard lock(mu_);
        // One task is asked for at a time, ahead or when idle: a second would replace the
        // first, which the master counts as running here.
        if (next_task_) throw wire::DecodeError("a task assignment while another waits to start");
        if (!task.input_paths.empty() && !input_files_.count(task.job_id)) {
          input_files_[task.job_id] = std::make_shared<const InputFiles>(
              InputFiles{std::move(task.input_paths), std::move(task.input_sizes)});
        }
        task.input_paths.clear();
        task.input_sizes.clear();
        next_task_ = std::move(task);
      }
      cv_.notify_all();
      break;
    }
    case wire::MessageType::kKillTask: {
      wire::KillTask kill;
      wire::Decode(body, kill);
      std::lock_guard lock(mu_);
      auto is_killed = [&](const std::optional<wire::TaskSpec>& task) {
        return task && task->job_id == kill.job_id && task->is_map == kill.is_map &&
               task->index == kill.index && task->attempt == kill.attempt;
      };
      if (is_killed(current_task_)) cancel_ = true;
      if (is_killed(next_task_)) next_cancelled_ = true;
      break;
    }
    case wire::MessageType::kJobDone: {
      wire::JobDone done;
      wire::Decode(body, done);
      std::lock_guard lock(mu_);
      ended_jobs_.insert(done.job_id);
      if (next_task_ && next_task_->job_id == done.job_id) next_cancelled_ = true;
      input_files_.erase(done.job_id);
      for (auto it = outputs_.begin(); it != outputs_.end();) {
        if (std::get<0>(it->first) == done.job_id) {
          if (it->second.bytes) {
            memory_output_bytes_ -= MemoryCost(it->second);
          } else {
            ::unlink(it->second.path.c_str());
          }
          it = outputs_.erase(it);
        } else {
          ++it;
        }
      }
      break;
    }
    default:
      throw wire::DecodeError("unexpected message from the master");
  }
}

void Worker::Impl::Heartbeat() {
  if (stopping_ || leaving_) return;
  auto silent = SteadyTime::now() - last_heard_;
  if (silent > std::chrono::milliseconds(master_timeout_ms_)) {
    Log("the master at " + master_address_ + " has been silent for " +
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(silent).count()) +
        " s; exiting");
    return Stop(1);
  }
  wire::Heartbeat beat{progress_bytes_.load(std::memory_order_relaxed)};
  master_->SendMessage(wire::MessageType::kHeartbeat, beat);
  heartbeat_timer_.expires_after(std::chrono::milliseconds(heartbeat_ms_));
  heartbeat_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) Heartbeat();
  });
}

void Worker::Impl::WatchForCrash() {
  asio::async_read(crash_pipe_, asio::buffer(&crash_signal_, sizeof crash_signal_),
                   [this](boost::system::error_code ec, size_t) {
                     if (ec) return;
                     // The task thread crashed: tell the master, which then closes the
                     // connection; the close handler ends this process with the same signal.
                     std::optional<wire::TaskSpec> task;
                     {
                       std::lock_guard lock(mu_);
                       task = current_task_;
                     }
                     std::string what = std::string("the worker died of signal ") +
                                        std::to_string(crash_signal_) + " (" +
                                        ::sigdescr_np(crash_signal_) + ")";
                     Log(what + (task ? " in " + DescribeTask(*task) : ""));
                     if (!task || !master_ || master_->closed()) CrashReporter::Die(crash_signal_);
                     wire::TaskReport report;
                     report.job_id = task->job_id;
                     report.is_map = task->is_map;
                     report.index = task->index;
                     report.attempt = task->attempt;
                     report.ok = false;
                     report.error = what;
                     report.worker_dying = true;
                     master_->SendMessage(wire::MessageType::kTaskReport, report);
                   });
}

bool Worker::Impl::TimeForAnotherTask() const {
  if (options_.run_time_limit <= 0) return true;
  double used = std::chrono::duration<double>(SteadyTime::now() - started_).count();
  return used + 1.2 * slowest_task_seconds_ < static_cast<double>(options_.run_time_limit);
}

void Worker::Impl::Leave(const std::string& reason) {
  if (leaving_ || stopping_ || !master_) return;
  leaving_ = true;
  exit_code_ = 0;
  Log("leaving: " + reason);
  {
    std::lock_guard lock(mu_);
    cancel_ = true;  // the task in hand (if any) stops; the master runs it elsewhere
    if (next_task_) next_cancelled_ = true;  // and the one asked for ahead does not start
  }
  master_->SendMessage(wire::MessageType::kWorkerLeaving, wire::WorkerLeaving{reason});
  // The master hangs up once it has taken the work back; do not wait for ever.
  heartbeat_timer_.expires_after(std::chrono::seconds(10));
  heartbeat_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) Stop(0);
  });
}

void Worker::Impl::Stop(int exit_code) {
  if (stopped_) return;
  stopped_ = true;
  stopping_ = true;
  exit_code_ = exit_code;
  boost::system::error_code ignored;
  heartbeat_timer_.cancel();
  if (server_) server_->Close();
  signals_.cancel(ignored);
  warnings_.cancel(ignored);
  if (master_) master_->Close();
  io_.stop();
}

std::optional<StoredMapOutput> Worker::Impl::FindOutput(uint64_t job, int map, int attempt) {
  std::lock_guard lock(mu_);
  auto it = outputs_.find({job, map, attempt});
  if (it == outputs_.end()) return std::nullopt;
  return it->second;
}

void Worker::Impl::RunTasks() {
  for (;;) {
    wire::TaskSpec task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return runner_stop_ || next_task_.has_value(); });
      if (runner_stop_) return;
      task = std::move(*next_task_);
      next_task_.reset();
      current_task_ = task;
      cancel_ = next_cancelled_;
      next_cancelled_ = false;
      runner_busy_ = true;
    }
    // The next task is asked for now, so that it is here when this one ends: no round trip to
    // the master between tasks, and this thread does not sleep in between (woken later, it may
    // be placed behind another busy thread). Not by a reduce: a map queued behind a reduce
    // that waits for that map's output would wait for ever. Not with a run-time limit: no task
    // waits behind one that may outlast the limit.
    const bool ask_ahead = task.is_map && options_.run_time_limit <= 0 && !cancel_;
    if (ask_ahead) {
      asio::post(io_, [this] {
        if (!stopping_ && !leaving_) master_->Send(wire::MessageType::kTaskRequestAhead);
      });
    }
    wire::TaskReport report = RunTask(task);
    {
      std::lock_guard lock(mu_);
      current_task_.reset();
    }
    runner_busy_ = false;
    // The fault `stall-after-maps`: the worker stops once this report is sent, and this thread
    // starts no other task first (one given ahead would otherwise run before the stop).
    const bool stall = report.is_map && report.ok && faults_.StallAfterMapDone();
    asio::post(io_, [this, report = std::move(report), ask_ahead, stall]() mutable {
      slowest_task_seconds_ = std::max(slowest_task_seconds_, report.seconds);
      if (stopping_ || leaving_) return;
      // The report asks for the next task too, unless it was asked for ahead or the worker's
      // run-time is nearly up.
      const bool time_left = TimeForAnotherTask();
      report.wants_task = time_left && !ask_ahead;
      master_->SendMessage(wire::MessageType::kTaskReport, report);
      if (!time_left) {
        return Leave("its run-time limit of " + std::to_string(options_.run_time_limit) +
                     " s leaves too little time for another task");
      }
      if (stall) {
        Log("injected fault: stopping (SIGSTOP) with the output of map task " +
            std::to_string(report.index));
        master_->WhenSent([this] {
          ::raise(SIGSTOP);
          {
            std::lock_guard lock(mu_);
            stall_over_ = true;  // continued (SIGCONT)
          }
          cv_.notify_all();
        });
      }
    });
    if (stall) {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return runner_stop_ || stall_over_; });
      stall_over_ = false;
    }
  }
}

const JobDefinition* Worker::Impl::FindTaskJob(const wire::TaskSpec& task) {
  if (task.plugin_sha256.empty()) {
    const JobDefinition* job = FindJob(task.job_name);
    if (!job) throw std::runtime_error("this worker has no job named '" + task.job_name + "'");
    return job;
  }
  // The plugin is loaded from a copy named by its hash, so that a plugin rebuilt at the same path
  // between two jobs is loaded again rather than taken for the one already loaded.
  std::string local;
  try {
    local = plugin::StagePlugin(task.plugin_path, task.plugin_sha256,
                                scratch_->path() + "/plugins",
                                [&] {
                                  std::string bytes = FetchPlugin(task.job_id);
                                  Log("fetched plugin " + task.plugin_path + " from the master "
                                      "(it cannot be read here)");
                                  return bytes;
                                });
    if (probed_plugins_.insert(task.plugin_sha256).second) {
      try {
        plugin::Probe(local, SelfExecutable());
      } catch (...) {
        probed_plugins_.erase(task.plugin_sha256);
        throw;
      }
    }
    return &plugin::ResolveJob(task.job_name, local);
  } catch (const std::exception& e) {
    // Messages name the user's file, not this worker's copy of it.
    std::string message = e.what();
    for (size_t at; !local.empty() && (at = message.find(local)) != std::string::npos;) {
      message.replace(at, local.size(), task.plugin_path);
    }
    throw std::runtime_error(message);
  }
}

std::string Worker::Impl::FetchPlugin(uint64_t job_id) {
  wire::BlockingClient client(options_.master_host, options_.master_port, options_.security);
  client.Send(wire::MessageType::kFetchPlugin, wire::Encode(wire::FetchPlugin{job_id}));
  wire::MessageType type;
  std::string body;
  client.Receive(&type, &body);
  wire::PluginData data;
  if (type == wire::MessageType::kPluginData) wire::Decode(body, data);
  if (data.bytes.empty()) {
    throw std::runtime_error("the master has no plugin for job " + std::to_string(job_id));
  }
  return std::move(data.bytes);
}

std::shared_ptr<const InputFiles> Worker::Impl::JobInputFiles(uint64_t job_id) {
  {
    std::lock_guard lock(mu_);
    auto it = input_files_.find(job_id);
    if (it != input_files_.end()) return it->second;
  }
  auto files = std::make_shared<const InputFiles>(
      FetchInputFiles(master_address(), job_id, std::chrono::milliseconds(fetch_timeout_ms_)));
  std::lock_guard lock(mu_);
  input_files_[job_id] = files;
  return files;
}

wire::TaskReport Worker::Impl::RunTask(const wire::TaskSpec& task) {
  wire::TaskReport report;
  report.job_id = task.job_id;
  report.is_map = task.is_map;
  report.index = task.index;
  report.attempt = task.attempt;
  auto started = SteadyTime::now();
  progress_bytes_ = 0;
  TaskControl control{&progress_bytes_, &cancel_, &faults_};
  try {
    control.CheckCancel();
    faults_.OnTaskStart(task.is_map, task.index, task.attempt);
    const JobDefinition* job = FindTaskJob(task);
    Counters counters;
    if (task.is_map) {
      std::string path = scratch_->path() + "/job" + std::to_string(task.job_id) + "-map" +
                         std::to_string(task.index) + "-attempt" + std::to_string(task.attempt);
      std::shared_ptr<const InputFiles> files = JobInputFiles(task.job_id);
      uint64_t memory_limit = 0;
      {
        std::lock_guard lock(mu_);
        const uint64_t budget = task.shuffle.sort_buffer / kMemoryOutputsShare;
        const uint64_t left =
            budget - std::min(budget, memory_output_bytes_ + kMemoryOutputOverhead);
        memory_limit = std::min(kMaxMemoryOutputBytes, left);
      }
      MapTaskOutput output = RunMapTask(task, *files, *job, path, memory_limit, control);
      counters = std::move(output.counters);
      std::lock_guard lock(mu_);
      if (ended_jobs_.count(task.job_id)) {  // cancelled or failed while the task ran
        if (!output.output.bytes) ::unlink(output.output.path.c_str());
      } else {
        memory_output_bytes_ += MemoryCost(output.output);
        outputs_[{task.job_id, task.index, task.attempt}] = std::move(output.output);
      }
    } else {
      MapOutputLocations locations(master_address(), task.job_id, task.map_tasks,
                                   std::chrono::milliseconds(fetch_timeout_ms_), control,
                                   task.map_outputs);
      counters =
          RunReduceTask(task, locations, *job, *fetch_connections_, scratch_->path(), control);
    }
    report.counters.insert(counters.values().begin(), counters.values().end());
    report.ok = true;
  } catch (const FetchFailure& e) {
    report.ok = false;
    report.error = e.what();
    report.lost_maps = e.lost();
    Log(DescribeTask(task) + " could not fetch its input: " + e.what());
  } catch (const std::exception& e) {
    report.ok = false;
    report.error = e.what();
    Log(DescribeTask(task) + (cancel_ ? " was stopped: " : " failed: ") + report.error);
  }
  report.seconds = std::chrono::duration<double>(SteadyTime::now() - started).count();
  return report;
}

}  // namespace minimr::runtime
