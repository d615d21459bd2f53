#include "framework/src/runtime/master.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <system_error>
#include <thread>
#include <vector>

#include "framework/src/api/job_params.h"
#include "framework/src/plugin/plugin.h"
#include "framework/src/runtime/fault_injection.h"
#include "framework/src/runtime/job_output.h"
#include "framework/src/runtime/job_record.h"
#include "framework/src/runtime/output_lock.h"
#include "framework/src/runtime/scheduler.h"
#include "framework/src/runtime/scratch_dir.h"
#include "framework/src/runtime/worker_registry.h"
#include "framework/src/util/process.h"
#include "framework/src/wire/session.h"
#include "minimr/output.h"

namespace minimr::runtime {

namespace asio = boost::asio;
using asio::ip::tcp;
using wire::MessageType;

namespace {

const SteadyClock kSteadyClock;

// How often a commit that takes long is said in the log.
constexpr std::chrono::seconds kCommitNote{10};

int Milliseconds(Duration d) {
  return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

// The job file checked these; a client of its own may not have.
void CheckShuffleBudgets(const wire::ShuffleBudgets& budgets) {
  for (auto [bytes, key] : {std::pair{budgets.sort_buffer, "map.sort_buffer"},
                            std::pair{budgets.shuffle_buffer, "reduce.shuffle_buffer"}}) {
    if (bytes < shuffle::kMinBuffer || bytes > shuffle::kMaxBuffer) {
      throw std::runtime_error(std::string(key) + " must be from 64KiB to 64GiB, not " +
                               std::to_string(bytes) + " bytes");
    }
  }
  if (budgets.merge_factor < shuffle::kMinMergeFactor ||
      budgets.merge_factor > shuffle::kMaxMergeFactor) {
    throw std::runtime_error("shuffle.merge_factor must be from 2 to 1000, not " +
                             std::to_string(budgets.merge_factor));
  }
}

}  // namespace

class Master::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, MasterOptions options)
      : options_(std::move(options)),
        clock_(options_.clock ? *options_.clock : kSteadyClock),
        io_(io),
        tick_(io),
        registry_(options_.worker_timeout, clock_.Now()),
        faults_(FaultPlan::Parse(options_.faults)) {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(options_.host, ec);
    if (ec) throw std::runtime_error("cannot listen on " + options_.host + ": " + ec.message());
    wire::Security security(options_.key);
    security.tls_server = options_.tls;
    listener_ = std::make_shared<wire::Listener>(
        io, tcp::endpoint(address, options_.port), std::move(security), options_.limits,
        [](const std::string& line) { std::cerr << "[master] " << line << std::endl; });
  }

  ~Impl() {
    for (Committer& committer : committers_) committer.thread.join();
  }

  void Start() {
    Accept();
    Tick();
  }
  uint16_t port() const { return listener_->port(); }
  bool stopped() const { return stopped_; }
  void Stop();

 private:
  struct ActiveJob {
    uint64_t id = 0;
    wire::JobSubmission submission;
    std::unique_ptr<JobScheduler> scheduler;
    std::weak_ptr<wire::Session> client;
    JobTimes times;
    bool maps_finished_noted = false;
    // Its output is being committed, away from the io thread (Commit): nothing else ends it.
    bool committing = false;
    TimePoint commit_started{};
    int commit_notes = 0;     // "still committing" lines logged
    std::string plugin_copy;  // a job from a plugin: the master's own copy of it
    // Held from admission until the job ends: no other job writes its output meanwhile.
    std::unique_ptr<OutputLock> output_lock;
  };
  // What a connection turned out to be, from its first frame.
  struct Peer {
    // kReader: a worker's task reading a list of a job's, piece by piece.
    enum class Kind { kUnknown, kWorker, kClient, kReader } kind = Kind::kUnknown;
    int worker_id = -1;
  };

  void Log(const std::string& line) { std::cerr << "[master] " << line << std::endl; }
  void Accept();
  void OnFrame(const std::shared_ptr<wire::Session>& session, Peer& peer, MessageType type,
               std::string_view body);
  void OnClose(Peer& peer, const std::string& reason);
  void RegisterWorker(const std::shared_ptr<wire::Session>& session, Peer& peer,
                      std::string_view body);
  void Submit(const std::shared_ptr<wire::Session>& session, std::string_view body);
  // Queues a submitted job, or refuses it with `error` (or with what its checks find).
  void Admit(std::unique_ptr<ActiveJob> job, std::string error);
  void SendPlugin(const std::shared_ptr<wire::Session>& session, std::string_view body);
  // A piece of the running job's input file list or map output locations (ListRequest).
  void SendListPiece(const std::shared_ptr<wire::Session>& session, MessageType type,
                     std::string_view body);
  // A client's CancelJob: its job ends at once, committing nothing.
  void Cancel(const std::shared_ptr<wire::Session>& session, std::string_view body);
  // Where the master keeps its copies of plugins; made on first use.
  const std::string& PluginDir();
  void StartNextJob();
  void Dispatch();
  // The worker's slot is free: it is idle until Dispatch gives it a task.
  void WantsTask(int worker);
  // The worker runs a task and asks for the one after (kTaskRequestAhead).
  void WantsTaskAhead(int worker);
  // A task given ahead to `worker` that has not started there is taken back (not counted
  // against the task), and the worker told to drop it; `why` ends "given ahead to NAME, which
  // ...". Returns whether it was.
  bool TakeBackAhead(int worker, const std::string& why);
  // The worker is gone (it `what`: "left", "was lost"): out of every set, its task given ahead
  // taken back.
  void ForgetWorker(int worker, const std::string& what);
  void OnReport(int worker, const wire::TaskReport& report);
  void CheckJob();
  // Commits the done job's output on a thread of its own (a slow file system must not silence
  // the master to its workers and clients), then Committed() ends the job on the io thread.
  void Commit(ActiveJob& job);
  void Committed(uint64_t job_id, wire::JobStatus result, const std::string& error);
  void FinishJob(bool ok, const std::string& error);
  void FinishJob(wire::JobStatus result);
  ActiveJob* Running() { return jobs_.empty() || !jobs_.front()->scheduler ? nullptr : jobs_.front().get(); }
  // Progress, for the client; Result() adds the totals of the counters.
  wire::JobStatus Status(const ActiveJob& job) const;
  wire::JobStatus Result(const ActiveJob& job, bool ok, const std::string& error) const;
  wire::ClusterInfo Info() const;
  void Tick();

  MasterOptions options_;
  const Clock& clock_;
  asio::io_context& io_;
  std::shared_ptr<wire::Listener> listener_;
  asio::steady_timer tick_;
  bool stopped_ = false;
  bool stop_when_committed_ = false;  // Stop() came while a job's output was being committed
  uint64_t next_job_id_ = 1;
  WorkerRegistry registry_;
  std::map<int, std::shared_ptr<wire::Session>> sessions_;  // of the registered workers
  std::set<int> idle_workers_;  // registered workers that asked for a task and have none
  // Workers that run a task and asked ahead for the next, not given one yet. Dispatch gives
  // them tasks only while as many wait as there are workers (the end of a phase goes as without
  // asking ahead), and takes a task given ahead back for a worker that is free. A worker here
  // that reports its task is idle.
  std::set<int> ahead_workers_;
  // The attempt each worker was given ahead, until the task it ran then ends and this one
  // starts (JobScheduler::AttemptStarted): named as its report will name it.
  std::map<int, wire::TaskReport> given_ahead_;
  std::deque<std::unique_ptr<ActiveJob>> jobs_;  // front() runs; the rest wait
  std::vector<std::weak_ptr<wire::Session>> connections_;  // every connection, to close at Stop()
  std::unique_ptr<ScratchDir> plugin_dir_;
  // Clients that cancelled while their plugin was still being checked (not yet in jobs_).
  std::set<std::weak_ptr<wire::Session>, std::owner_less<std::weak_ptr<wire::Session>>>
      cancelled_clients_;
  const FaultPlan faults_;
  // Commits' threads: joined once done (at the next commit), and all at the end.
  struct Committer {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;  // set as the thread's last act
  };
  std::vector<Committer> committers_;
};

Master::Master(asio::io_context& io, MasterOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {
  impl_->Start();
}
Master::~Master() = default;
uint16_t Master::port() const { return impl_->port(); }
bool Master::stopped() const { return impl_->stopped(); }
void Master::Stop() { impl_->Stop(); }

void Master::Impl::Accept() {
  // The listener keeps this function: a weak reference, or the two would keep each other.
  listener_->Start([weak_self = weak_from_this()](std::shared_ptr<wire::Session> session) {
    auto self = weak_self.lock();
    if (!self) return;
    auto peer = std::make_shared<Peer>();
    std::weak_ptr<wire::Session> weak = session;
    session->Start(
        wire::Session::Role::kServer, nullptr,
        [self, weak, peer](MessageType type, std::string_view body) {
          if (auto s = weak.lock()) self->OnFrame(s, *peer, type, body);
        },
        [self, peer, weak](const std::string& reason) {
          self->OnClose(*peer, reason);
          auto s = weak.lock();
          std::string who = s ? s->peer() : "?";
          bool ready = s && s->ready();
          if (reason.empty() || (ready && reason == "connection closed by peer")) return;
          if (peer->kind == Peer::Kind::kUnknown) {
            self->listener_->Note("refused", "refused a connection from " + who + ": " + reason);
          } else if (peer->kind == Peer::Kind::kClient) {
            self->listener_->Note("client",
                                  "closed the connection of the client at " + who + ": " + reason);
          }
        });
    std::erase_if(self->connections_, [](const auto& weak) { return weak.expired(); });
    self->connections_.push_back(session);
  });
}

void Master::Impl::OnFrame(const std::shared_ptr<wire::Session>& session, Peer& peer,
                           MessageType type, std::string_view body) {
  if (peer.kind == Peer::Kind::kUnknown) {
    if (type == MessageType::kRegisterWorker) return RegisterWorker(session, peer, body);
    if (type == MessageType::kClusterStatus) {
      session->SendMessage(MessageType::kClusterInfo, Info());
      return session->CloseAfterSending();
    }
    if (type == MessageType::kShutdown) {
      Log("stopping at the request of " + session->peer());
      return Stop();
    }
    if (type == MessageType::kSubmitJob) {
      peer.kind = Peer::Kind::kClient;
      return Submit(session, body);
    }
    if (type == MessageType::kFetchPlugin) return SendPlugin(session, body);
    if (type == MessageType::kListInputFiles || type == MessageType::kListMapOutputs) {
      peer.kind = Peer::Kind::kReader;
      return SendListPiece(session, type, body);
    }
    throw wire::DecodeError("expected a worker's registration or a job");
  }
  if (peer.kind == Peer::Kind::kReader) {
    if (type == MessageType::kListInputFiles || type == MessageType::kListMapOutputs) {
      return SendListPiece(session, type, body);
    }
    throw wire::DecodeError("a task reading a job's list asks for pieces of it, nothing else");
  }
  if (peer.kind == Peer::Kind::kClient) {
    if (type == MessageType::kCancelJob) return Cancel(session, body);
    throw wire::DecodeError("a client sends one job, and may cancel it");
  }

  WorkerEntry* worker = registry_.Find(peer.worker_id);
  if (!worker) throw wire::DecodeError("this worker was taken for dead");
  worker->last_seen = clock_.Now();  // registry_.Heard, without looking it up again
  switch (type) {
    case MessageType::kHeartbeat: {
      wire::Heartbeat beat;
      wire::Decode(body, beat);
      worker->progress_bytes = beat.bytes_done;
      session->SendMessage(MessageType::kHeartbeat, wire::Heartbeat{});
      break;
    }
    case MessageType::kTaskRequest:
      WantsTask(peer.worker_id);
      break;
    case MessageType::kTaskRequestAhead:
      WantsTaskAhead(peer.worker_id);
      break;
    case MessageType::kTaskReport: {
      wire::TaskReport report;
      wire::Decode(body, report);
      // The task given ahead, if any, starts now; unless the worker dies with this report:
      // then it is taken back. A worker that asked ahead and was given nothing is free: not
      // one to give a task ahead while the report is taken in.
      if (report.worker_dying) {
        TakeBackAhead(peer.worker_id, "which died before starting it");
      } else if (auto given = given_ahead_.find(peer.worker_id); given != given_ahead_.end()) {
        if (ActiveJob* job = Running()) {
          job->scheduler->AttemptStarted(peer.worker_id, given->second, clock_.Now());
        }
        given_ahead_.erase(given);
      }
      const bool asked_ahead = ahead_workers_.erase(peer.worker_id) > 0;
      worker->progress_bytes = 0;  // the reported task's bytes now count as done
      OnReport(peer.worker_id, report);
      // A worker that crashed says so last, and dies once the connection is closed.
      if (report.worker_dying) {
        session->Close();
      } else if (!session->closed() && (report.wants_task || asked_ahead)) {
        WantsTask(peer.worker_id);
      }
      break;
    }
    case MessageType::kWorkerLeaving: {
      wire::WorkerLeaving leaving;
      wire::Decode(body, leaving);
      Log("worker " + std::to_string(peer.worker_id) + " (" + worker->name + ") is leaving: " +
          leaving.reason + "; its work runs again elsewhere");
      ForgetWorker(peer.worker_id, "left");
      if (ActiveJob* job = Running()) {
        job->scheduler->WorkerLost(peer.worker_id, leaving.reason, clock_.Now(),
                                   /*handed_back=*/true);
        CheckJob();
      }
      session->CloseAfterSending();
      break;
    }
    default:
      throw wire::DecodeError("unexpected message from a worker");
  }
}

void Master::Impl::RegisterWorker(const std::shared_ptr<wire::Session>& session, Peer& peer,
                                  std::string_view body) {
  wire::RegisterWorker hello;
  wire::Decode(body, hello);
  peer.kind = Peer::Kind::kWorker;
  WorkerEntry entry;
  entry.name = hello.name;
  entry.host = hello.host;
  entry.data_port = hello.data_port;
  peer.worker_id = registry_.Add(entry, clock_.Now());
  sessions_[peer.worker_id] = session;
  Log("worker " + std::to_string(peer.worker_id) + " (" + hello.name + ") registered from " +
      session->peer() + ", serving map output on " + hello.host + ":" +
      std::to_string(hello.data_port));
  session->SendMessage(
      MessageType::kRegistered,
      wire::Registered{peer.worker_id, Milliseconds(options_.heartbeat),
                       Milliseconds(options_.worker_timeout), Milliseconds(options_.fetch_timeout),
                       options_.max_frame_bytes});
  if (stopped_) {
    session->SendMessage(MessageType::kTaskAssignment, wire::TaskAssignment{true, {}});
    return;
  }
  if (ActiveJob* job = Running()) {
    job->scheduler->AddWorker(peer.worker_id, hello.name, hello.host, hello.data_port);
  }
}

void Master::Impl::OnClose(Peer& peer, const std::string& reason) {
  if (peer.kind != Peer::Kind::kWorker) return;
  WorkerEntry* worker = registry_.Find(peer.worker_id);
  if (!worker) return;
  if (!stopped_) {
    Log("lost worker " + std::to_string(peer.worker_id) + " (" + worker->name + ")" +
        (reason.empty() ? "" : ": " + reason));
  }
  ForgetWorker(peer.worker_id, "was lost");
  if (ActiveJob* job = Running()) {
    job->scheduler->WorkerLost(peer.worker_id, reason.empty() ? "taken for dead" : reason,
                               clock_.Now());
    CheckJob();
  }
}

void Master::Impl::Submit(const std::shared_ptr<wire::Session>& session, std::string_view body) {
  auto job = std::make_unique<ActiveJob>();
  wire::Decode(body, job->submission);
  job->id = next_job_id_++;
  job->client = session;
  job->times.submitted_at = WallClockNow();
  const wire::JobSubmission& s = job->submission;
  if (s.plugin_sha256.empty()) return Admit(std::move(job), "");
  std::string path;
  try {
    if (plugin::Sha256Hex(s.plugin_bytes) != s.plugin_sha256) {
      throw std::runtime_error("plugin " + s.plugin_path + ": its bytes do not have its SHA-256");
    }
    path = plugin::StagePlugin("", s.plugin_sha256, PluginDir(),
                               [&] { return s.plugin_bytes; });
  } catch (const std::exception& e) {
    return Admit(std::move(job), e.what());
  }
  job->plugin_copy = path;
  // Loaded in a child process first, away from the io thread: a plugin that crashes or hangs
  // while loading must neither kill the master nor keep it from answering its workers.
  std::thread([self = shared_from_this(), job = std::shared_ptr<ActiveJob>(std::move(job))] {
    std::string error;
    try {
      plugin::Probe(job->plugin_copy, SelfExecutable());
    } catch (const std::exception& e) {
      error = e.what();
    }
    asio::post(self->io_, [self, job, error] {
      self->Admit(std::make_unique<ActiveJob>(std::move(*job)), error);
    });
  }).detach();
}

void Master::Impl::Admit(std::unique_ptr<ActiveJob> job, std::string error) {
  const wire::JobSubmission& s = job->submission;
  if (error.empty()) {
    try {
      const JobDefinition& definition = plugin::ResolveJob(s.job_name, job->plugin_copy);
      ResolveParams(s.job_name, definition, s.params);
      if (s.reduce_tasks < 1) throw std::runtime_error("reduce.tasks must be at least 1");
      if (s.max_attempts < 1) throw std::runtime_error("tasks.max_attempts must be at least 1");
      CheckShuffleBudgets(s.shuffle);
      if (!ParseOutputFormat(s.output_format)) {
        throw std::runtime_error("output.format must be text, jsonl or raw, not '" + s.output_format +
                                 "'");
      }
      if (stop_when_committed_) throw std::runtime_error("the master is stopping");
      // A master for one job has it queued until it ends, and then stops.
      if (options_.stop_after_job && !jobs_.empty()) {
        throw std::runtime_error("this master runs one job (--stop-after-job) and has one");
      }
      // Locked first, then looked at: nothing another job does can come in between.
      job->output_lock = std::make_unique<OutputLock>(s.output_dir);
      CheckOutputDir(s.output_dir, s.output_overwrite);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  std::shared_ptr<wire::Session> session = job->client.lock();
  const bool cancelled = session && cancelled_clients_.erase(session) > 0;
  if (cancelled) error = "cancelled by its client before it was queued";
  std::erase_if(cancelled_clients_, [](const auto& weak) { return weak.expired(); });
  if (!error.empty()) {
    job->output_lock.reset();
    // Messages name the user's plugin file, not the master's copy of it.
    for (size_t at; !job->plugin_copy.empty() &&
                    (at = error.find(job->plugin_copy)) != std::string::npos;) {
      error.replace(at, job->plugin_copy.size(), s.plugin_path);
    }
    Log("job " + std::to_string(job->id) + " (" + s.job_name + ") refused: " + error);
    if (!session) return;
    wire::JobStatus result;
    result.job_id = job->id;
    result.finished = true;
    result.error = error;
    result.cancelled = cancelled;
    session->SendMessage(MessageType::kJobResult, result);
    session->CloseAfterSending();
    return;
  }
  if (!session || stopped_) return;  // the client left while its plugin was checked
  Log("job " + std::to_string(job->id) + " (" + s.job_name + ") submitted from " +
      session->peer() + " with " + std::to_string(s.input_paths.size()) + " input files" +
      (s.plugin_path.empty() ? "" : ", from plugin " + s.plugin_path));
  jobs_.push_back(std::move(job));
  if (jobs_.size() == 1) StartNextJob();
}

void Master::Impl::Cancel(const std::shared_ptr<wire::Session>& session, std::string_view body) {
  wire::CancelJob cancel;
  wire::Decode(body, cancel);
  const std::string why =
      "cancelled by its client" + (cancel.reason.empty() ? "" : " (" + cancel.reason + ")");
  for (size_t i = 0; i < jobs_.size(); ++i) {
    if (jobs_[i]->client.lock() != session) continue;
    if (jobs_[i]->committing) {  // its result follows
      Log("job " + std::to_string(jobs_[i]->id) + " " + why +
          " as its output was being committed: too late, it commits");
      return;
    }
    Log("job " + std::to_string(jobs_[i]->id) + " " + why + "; its output is not committed");
    if (i == 0) {
      wire::JobStatus result = Result(*jobs_.front(), false, why);
      result.cancelled = true;
      return FinishJob(std::move(result));
    }
    std::unique_ptr<ActiveJob> job = std::move(jobs_[i]);
    jobs_.erase(jobs_.begin() + static_cast<std::ptrdiff_t>(i));
    job->output_lock.reset();
    wire::JobStatus result = Result(*job, false, why);
    result.cancelled = true;
    session->SendMessage(MessageType::kJobResult, result);
    session->CloseAfterSending();
    return;
  }
  // Its plugin is still being checked: Admit refuses it when that is done.
  cancelled_clients_.insert(session);
}

void Master::Impl::SendPlugin(const std::shared_ptr<wire::Session>& session,
                              std::string_view body) {
  wire::FetchPlugin request;
  wire::Decode(body, request);
  wire::PluginData data;
  for (const auto& job : jobs_) {
    if (job->id == request.job_id) data.bytes = job->submission.plugin_bytes;
  }
  session->SendMessage(MessageType::kPluginData, data);
  session->CloseAfterSending();
}

void Master::Impl::SendListPiece(const std::shared_ptr<wire::Session>& session, MessageType type,
                                 std::string_view body) {
  wire::ListRequest request;
  wire::Decode(body, request);
  const ActiveJob* job = Running();
  std::string error;
  if (!job || job->id != request.job_id) {
    error = "job " + std::to_string(request.job_id) + " is not running";
  }
  // What fits a frame: generous guesses of each item's encoded size, and room to spare.
  const size_t budget = options_.max_frame_bytes / 2;
  const size_t max = static_cast<size_t>(std::clamp(request.max, 1, 1 << 20));
  size_t bytes = 64;
  if (type == MessageType::kListInputFiles) {
    wire::InputFilesPiece piece;
    piece.error = error;
    if (error.empty()) {
      const InputFiles& files = job->scheduler->spec().plan.files;
      piece.total = static_cast<int32_t>(files.paths.size());
      for (size_t i = static_cast<size_t>(std::max(request.from, 0));
           i < files.paths.size() && piece.paths.size() < max; ++i) {
        bytes += wire::EncodedGuess(files.paths[i]);
        if (bytes > budget && !piece.paths.empty()) break;
        piece.paths.push_back(files.paths[i]);
        piece.sizes.push_back(files.sizes[i]);
      }
    }
    return session->SendMessage(MessageType::kInputFiles, piece);
  }
  wire::MapOutputsPiece piece;
  piece.error = error;
  if (error.empty()) {
    const JobScheduler& scheduler = *job->scheduler;
    piece.total = scheduler.map_tasks();
    scheduler.MapOutputsFrom(request.from, max, &piece.locations);
    size_t fit = 0;
    for (; fit < piece.locations.size(); ++fit) {
      bytes += wire::EncodedGuess(piece.locations[fit]);
      if (bytes > budget && fit > 0) break;
    }
    piece.locations.resize(fit);
  }
  session->SendMessage(MessageType::kMapOutputs, piece);
}

const std::string& Master::Impl::PluginDir() {
  if (!plugin_dir_) {
    plugin_dir_ = std::make_unique<ScratchDir>(std::filesystem::temp_directory_path().string());
  }
  return plugin_dir_->path();
}

void Master::Impl::StartNextJob() {
  while (!jobs_.empty() && !jobs_.front()->scheduler) {
    ActiveJob& job = *jobs_.front();
    const wire::JobSubmission& s = job.submission;
    try {
      JobSpec spec;
      spec.id = job.id;
      spec.job_name = s.job_name;
      spec.plugin_path = s.plugin_path;
      spec.plugin_sha256 = s.plugin_sha256;
      const JobDefinition& definition = plugin::ResolveJob(s.job_name, job.plugin_copy);
      const Params params = ResolveParams(s.job_name, definition, s.params);
      spec.params = params.values();
      spec.plan = PlanJob(definition, params, s.input_paths, s.split_size);
      spec.reduce_tasks = s.reduce_tasks;
      spec.output_format = s.output_format;
      spec.shuffle = s.shuffle;
      spec.parallel_copies = s.parallel_copies;
      spec.inline_list_bytes =
          std::min<size_t>(wire::kInlineListBytes, options_.max_frame_bytes / 4);
      spec.options.max_attempts = s.max_attempts;
      spec.options.max_failures_per_worker = s.max_failures_per_worker;
      spec.options.speculation = s.speculation;
      CheckOutputDir(s.output_dir, s.output_overwrite);
      spec.staging_dir = CreateStagingDir(s.output_dir, job.id);
      job.scheduler = std::make_unique<JobScheduler>(std::move(spec));
    } catch (const std::exception& e) {
      FinishJob(false, e.what());
      continue;
    }
    job.times.started = clock_.Now();
    for (const auto& [id, worker] : registry_.workers()) {
      job.scheduler->AddWorker(id, worker.name, worker.host, worker.data_port);
    }
    Log("job " + std::to_string(job.id) + " started: " +
        std::to_string(job.scheduler->progress().maps_total) + " map tasks, " +
        std::to_string(s.reduce_tasks) + " reduce tasks");
    Dispatch();
    CheckJob();  // a job without input is done at once
  }
}

void Master::Impl::Dispatch() {
  ActiveJob* job = Running();
  if (!job) return;
  TimePoint now = clock_.Now();
  wire::TaskAssignment assignment;
  // With no task waiting, only a backup of a straggler can go out, and it is refused only to
  // the worker it runs on or excluded ones: a few refusals say the rest would be refused too,
  // so that an event costs O(1), not O(idle workers), at the end of a phase.
  const std::vector<std::string> excluded = job->scheduler->ExcludedWorkers();
  auto give_to_idle_workers = [&] {
    int refused_without_waiting = 0;
    for (auto it = idle_workers_.begin(); it != idle_workers_.end();) {
      const int id = *it;
      if (!job->scheduler->Assign(id, now, &assignment.task)) {
        if (!job->scheduler->HasWaitingTask() &&
            ++refused_without_waiting > 2 + static_cast<int>(excluded.size())) {
          break;
        }
        ++it;
        continue;
      }
      it = idle_workers_.erase(it);
      sessions_.at(id)->SendMessage(MessageType::kTaskAssignment, assignment);
    }
  };
  // A worker is free and no task waits: a task given ahead to a busy worker, not started there,
  // goes to the free one (a slow task may hold it up), before any backup of a straggler.
  auto can_take_one = [&] {
    return std::any_of(idle_workers_.begin(), idle_workers_.end(),
                       [&](int id) { return !job->scheduler->Excluded(id); });
  };
  while (!given_ahead_.empty() && !job->scheduler->HasWaitingTask() && can_take_one()) {
    if (TakeBackAhead(given_ahead_.begin()->first,
                      "which was still busy; taken back for a free worker")) {
      give_to_idle_workers();
    }
  }
  give_to_idle_workers();
  const size_t workers = registry_.workers().size();
  for (auto it = ahead_workers_.begin();
       it != ahead_workers_.end() && job->scheduler->WaitingTasks() >= workers;) {
    const int id = *it;
    if (!job->scheduler->Assign(id, now, &assignment.task)) {
      ++it;
      continue;
    }
    it = ahead_workers_.erase(it);
    wire::TaskReport& given = given_ahead_[id];
    given.job_id = assignment.task.job_id;
    given.is_map = assignment.task.is_map;
    given.index = assignment.task.index;
    given.attempt = assignment.task.attempt;
    sessions_.at(id)->SendMessage(MessageType::kTaskAssignment, assignment);
  }
  // No idle worker took the waiting tasks: reduces that wait for lost map output may hold every
  // worker (checked again each tick).
  for (const AttemptToKill& reduce : job->scheduler->PreemptReduces(now)) {
    Log(job->scheduler->Describe(false, reduce.kill.index) + " attempt " +
        std::to_string(reduce.kill.attempt) + " is preempted: map tasks must run again first");
    auto session = sessions_.find(reduce.worker);
    if (session != sessions_.end()) session->second->SendMessage(MessageType::kKillTask, reduce.kill);
  }
}

void Master::Impl::WantsTask(int worker) {
  WorkerEntry* entry = registry_.Find(worker);
  if (!entry) return;
  ahead_workers_.erase(worker);
  idle_workers_.insert(worker);
  entry->progress_bytes = 0;
  Dispatch();
}

bool Master::Impl::TakeBackAhead(int worker, const std::string& why) {
  auto given = given_ahead_.find(worker);
  if (given == given_ahead_.end()) return false;
  const wire::TaskReport attempt = given->second;
  given_ahead_.erase(given);
  ActiveJob* job = Running();
  const WorkerEntry* entry = registry_.Find(worker);
  if (!job || !job->scheduler->TakeBack(worker, attempt, clock_.Now(),
                                        "given ahead to " + (entry ? entry->name : "?") + ", " +
                                            why)) {
    return false;
  }
  auto session = sessions_.find(worker);
  if (session != sessions_.end()) {
    session->second->SendMessage(
        MessageType::kKillTask,
        wire::KillTask{attempt.job_id, attempt.is_map, attempt.index, attempt.attempt});
  }
  return true;
}

void Master::Impl::ForgetWorker(int worker, const std::string& what) {
  TakeBackAhead(worker, "which " + what + " before starting it");
  registry_.Remove(worker, clock_.Now());
  sessions_.erase(worker);
  idle_workers_.erase(worker);
  ahead_workers_.erase(worker);
}

void Master::Impl::WantsTaskAhead(int worker) {
  if (!registry_.Find(worker) || idle_workers_.count(worker)) return;
  ahead_workers_.insert(worker);
  Dispatch();
}

void Master::Impl::OnReport(int worker, const wire::TaskReport& report) {
  ActiveJob* job = Running();
  if (!job || job->id != report.job_id) return;
  JobScheduler& scheduler = *job->scheduler;
  if (!report.ok && scheduler.IsRunning(worker, report)) {  // not one the master killed
    WorkerEntry* entry = registry_.Find(worker);
    Log(scheduler.Describe(report.is_map, report.index) + " attempt " +
        std::to_string(report.attempt) + " failed on " + (entry ? entry->name : "?") + ": " +
        report.error);
  }
  Completion completion = scheduler.Complete(worker, report, clock_.Now());
  for (const AttemptToKill& loser : completion.to_kill) {
    auto session = sessions_.find(loser.worker);
    if (session != sessions_.end()) session->second->SendMessage(MessageType::kKillTask, loser.kill);
  }
  if (completion.accepted && !report.is_map) {
    try {
      CommitTaskOutput(scheduler.spec().staging_dir, report.index, report.attempt);
    } catch (const std::exception& e) {
      return FinishJob(false, e.what());
    }
  }
  CheckJob();
}

void Master::Impl::CheckJob() {
  ActiveJob* job = Running();
  if (!job || job->committing) return;
  JobScheduler& scheduler = *job->scheduler;
  if (scheduler.maps_done() && !job->maps_finished_noted) {
    job->times.maps_finished = clock_.Now();
    job->maps_finished_noted = true;
    Log("job " + std::to_string(job->id) + ": every map task is done; reducing");
  }
  if (scheduler.failed()) return FinishJob(false, scheduler.error());
  if (scheduler.done()) return Commit(*job);
  Dispatch();
}

void Master::Impl::Commit(ActiveJob& job) {
  wire::JobStatus result;
  std::string json;
  try {
    result = Result(job, true, "");
    result.output_id = NewOutputId();
    job.times.finished = clock_.Now();
    json = JobJson(job.submission, *job.scheduler, result, job.times);
  } catch (const std::exception& e) {
    return FinishJob(false, e.what());
  }
  job.committing = true;
  job.commit_started = clock_.Now();
  Log("job " + std::to_string(job.id) + ": committing its output to " + job.submission.output_dir);
  // Threads of commits before that are done (one may still be removing the output it replaced:
  // it is left to finish, not waited for here).
  std::erase_if(committers_, [](Committer& c) {
    if (!*c.done) return false;
    c.thread.join();
    return true;
  });
  auto done = std::make_shared<std::atomic<bool>>(false);
  // (this outlives the thread: ~Impl joins it; a handler posted to io_ may outlive this.)
  auto commit = [this, weak = weak_from_this(), done, id = job.id, result = std::move(result),
                 json = std::move(json), staging = job.scheduler->spec().staging_dir,
                 reduce_tasks = job.scheduler->spec().reduce_tasks,
                 output = job.submission.output_dir,
                 overwrite = job.submission.output_overwrite]() mutable {
    std::string previous, error;
    try {
      faults_.BeforeCommit();
      previous = CommitOutput(staging, output, WithPartBytes(json, staging, reduce_tasks),
                              result.output_id, overwrite);
    } catch (const std::exception& e) {
      error = e.what();
    }
    asio::post(io_, [weak, id, result = std::move(result), error]() mutable {
      if (auto self = weak.lock()) self->Committed(id, std::move(result), error);
    });
    // The previous output goes once the result is on its way (0.3-0.4 ms for the pi study's,
    // seconds for a large one on NFS); a master that stops joins this thread first. (Said from
    // here: a master that stops may not run a handler posted now.)
    if (std::string why; !previous.empty() && !RemoveStagingDir(previous, &why)) {
      std::cerr << ("[master] could not remove the previous output, now in " + previous + ": " +
                    why + "\n")
                << std::flush;
    }
    *done = true;
  };
  try {
    committers_.push_back({std::thread(commit), done});
  } catch (const std::system_error& e) {  // no thread to be had (a process limit): here, then
    Log("job " + std::to_string(job.id) + ": no thread for its commit (" + e.what() +
        "); committing on the master's own");
    commit();
  }
}

void Master::Impl::Committed(uint64_t job_id, wire::JobStatus result, const std::string& error) {
  ActiveJob* job = Running();
  if (job && job->id == job_id) {  // (a committing job stays at the front)
    job->committing = false;
    if (error.empty()) {
      FinishJob(std::move(result));
    } else {
      FinishJob(false, error);
    }
  }
  if (stop_when_committed_) Stop();
}

void Master::Impl::FinishJob(bool ok, const std::string& error) {
  FinishJob(Result(*jobs_.front(), ok, error));
}

void Master::Impl::FinishJob(wire::JobStatus result) {
  std::unique_ptr<ActiveJob> job = std::move(jobs_.front());
  jobs_.pop_front();
  given_ahead_.clear();  // attempts of this job
  if (job->scheduler) {
    if (!result.ok) RemoveStagingDir(job->scheduler->spec().staging_dir);
    for (auto& [id, session] : sessions_) {
      session->SendMessage(MessageType::kJobDone, wire::JobDone{job->id});
    }
  }
  if (!result.cancelled) {  // Cancel() has said so
    Log("job " + std::to_string(job->id) + (result.ok ? " succeeded" : " failed: " + result.error));
  }
  // Released before the client hears: its report step takes the lock next.
  job->output_lock.reset();
  if (auto client = job->client.lock()) {
    client->SendMessage(MessageType::kJobResult, result);
    client->CloseAfterSending();
  }
  if (options_.stop_after_job) {
    Log("stopping: its one job has ended (--stop-after-job)");
    return Stop();
  }
  if (stop_when_committed_) return Stop();  // not the next job first
  StartNextJob();
  Dispatch();
}

wire::JobStatus Master::Impl::Status(const ActiveJob& job) const {
  wire::JobStatus status;
  status.job_id = job.id;
  status.workers = static_cast<int32_t>(registry_.workers().size());
  if (!job.scheduler) return status;
  JobProgress p = job.scheduler->progress();
  status.maps_done = p.maps_done;
  status.maps_total = p.maps_total;
  status.reduces_done = p.reduces_done;
  status.reduces_total = p.reduces_total;
  status.bytes_total = p.bytes_total;
  status.bytes_done = p.bytes_done;
  std::set<int> counted;  // a worker may hold a map task it has not started yet
  for (const auto& [task, worker] : job.scheduler->Running()) {
    auto it = registry_.workers().find(worker);
    if (task.first && it != registry_.workers().end() && counted.insert(worker).second) {
      status.bytes_done += it->second.progress_bytes;
    }
  }
  status.bytes_done = std::min(status.bytes_done, status.bytes_total);
  status.seconds = Seconds(clock_.Now() - job.times.started);
  return status;
}

wire::JobStatus Master::Impl::Result(const ActiveJob& job, bool ok,
                                     const std::string& error) const {
  wire::JobStatus result = Status(job);
  result.finished = true;
  result.ok = ok;
  result.error = error;
  if (job.scheduler) {
    Counters counters = job.scheduler->counters();
    result.counters.insert(counters.values().begin(), counters.values().end());
  }
  return result;
}

wire::ClusterInfo Master::Impl::Info() const {
  wire::ClusterInfo info;
  info.jobs_queued = static_cast<int32_t>(jobs_.size());
  std::map<int, std::string> doing;
  if (!jobs_.empty() && jobs_.front()->scheduler) {
    for (const auto& [task, worker] : jobs_.front()->scheduler->Running()) {
      doing[worker] = "job " + std::to_string(jobs_.front()->id) + " " +
                      (task.first ? "map" : "reduce") + " task " + std::to_string(task.second);
    }
  }
  TimePoint now = clock_.Now();
  for (const auto& [id, worker] : registry_.workers()) {
    info.workers.push_back({id, worker.name, worker.host,
                            doing.count(id) ? doing[id] : std::string("idle"),
                            Seconds(now - worker.last_seen)});
  }
  return info;
}

void Master::Impl::Tick() {
  if (stopped_) return;
  TimePoint now = clock_.Now();
  // The failure detector: a silent worker's connection is closed, and OnClose runs its work again.
  for (int id : registry_.Silent(now)) {
    WorkerEntry* worker = registry_.Find(id);
    if (!worker) continue;
    Log("worker " + std::to_string(id) + " (" + worker->name + ") has been silent for " +
        std::to_string(Seconds(now - worker->last_seen)).substr(0, 4) + " s");
    auto session = sessions_.at(id);
    session->Close();
  }
  for (size_t i = 1; i < jobs_.size(); ++i) {
    if (auto client = jobs_[i]->client.lock()) {
      wire::JobStatus waiting;
      waiting.job_id = jobs_[i]->id;
      waiting.jobs_ahead = static_cast<int32_t>(i);
      waiting.workers = static_cast<int32_t>(registry_.workers().size());
      client->SendMessage(MessageType::kJobProgress, waiting);
    }
  }
  if (ActiveJob* job = Running()) {
    // A commit that takes long (a file system that does not answer) is said, every 10 s.
    if (job->committing && now - job->commit_started >= (job->commit_notes + 1) * kCommitNote) {
      ++job->commit_notes;
      Log("job " + std::to_string(job->id) + ": still committing its output (" +
          std::to_string(Milliseconds(now - job->commit_started) / 1000) + " s)");
    }
    if (auto empty = registry_.EmptySince();
        !job->committing && empty && now - *empty > options_.no_worker_timeout) {
      FinishJob(false, "no worker has been connected for " +
                           std::to_string(Milliseconds(now - *empty) / 1000) +
                           " s; are workers starting? check their logs");
    } else {
      if (auto client = job->client.lock()) {
        client->SendMessage(MessageType::kJobProgress, Status(*job));
      }
      Dispatch();  // a straggler may be worth a backup by now
    }
  }
  if (stopped_) return;  // FinishJob stopped a master for one job
  tick_.expires_after(options_.tick);
  tick_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->Tick();
  });
}

void Master::Impl::Stop() {
  if (stopped_) return;
  if (ActiveJob* job = Running(); job && job->committing) {
    if (!stop_when_committed_)
      Log("stopping once job " + std::to_string(job->id) + " has committed its output");
    stop_when_committed_ = true;
    return;
  }
  stopped_ = true;
  listener_->Close();
  tick_.cancel();
  for (auto& [id, session] : sessions_) {
    session->SendMessage(MessageType::kTaskAssignment, wire::TaskAssignment{true, {}});
    session->CloseAfterSending();
  }
  for (auto& weak : connections_) {
    if (auto session = weak.lock()) session->CloseAfterSending();
  }
  while (!jobs_.empty()) {
    if (jobs_.front()->scheduler) RemoveStagingDir(jobs_.front()->scheduler->spec().staging_dir);
    jobs_.pop_front();
  }
  if (options_.on_stop) options_.on_stop();
}

}  // namespace minimr::runtime
