#include "framework/src/runtime/master.h"

#include <chrono>
#include <deque>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "framework/src/api/job_params.h"
#include "framework/src/runtime/job_output.h"
#include "framework/src/runtime/scheduler.h"
#include "framework/src/wire/session.h"

namespace minimr::runtime {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using wire::MessageType;

namespace {

double SecondsBetween(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

std::string Now() {
  std::time_t t = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S%z", std::localtime(&t));
  return text;
}

}  // namespace

class Master::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, MasterOptions options)
      : io_(io), options_(std::move(options)), acceptor_(io), tick_(io) {
    auto address = asio::ip::make_address(options_.host);
    tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    boost::system::error_code ec;
    acceptor_.bind(endpoint, ec);
    if (ec) {
      throw std::runtime_error("cannot listen on " + options_.host + ":" +
                               std::to_string(options_.port) + ": " + ec.message());
    }
    acceptor_.listen();
  }

  void Start() {
    Accept();
    Tick();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void Stop();

 private:
  struct WorkerState {
    std::shared_ptr<wire::Session> session;
    std::string name;
    std::string host;
    uint16_t data_port = 0;
    bool idle = false;  // asked for a task and got none yet
    Clock::time_point last_seen;
    uint64_t progress_bytes = 0;
  };
  struct TaskRecord {
    bool is_map;
    int index, attempt;
    std::string worker;
    double seconds;
    int64_t input_bytes;
    bool ok;
    std::string error;
  };
  struct ActiveJob {
    uint64_t id = 0;
    wire::JobSubmission submission;
    std::unique_ptr<JobScheduler> scheduler;
    std::weak_ptr<wire::Session> client;
    std::string submitted_at;
    Clock::time_point started, maps_finished;
    bool maps_finished_noted = false;
    std::vector<TaskRecord> tasks;
  };
  // What a connection turned out to be, from its first frame.
  struct Peer {
    enum class Kind { kUnknown, kWorker, kClient } kind = Kind::kUnknown;
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
  void StartNextJob();
  void Dispatch();
  void OnReport(int worker, const wire::TaskReport& report);
  void CheckJob();
  void FinishJob(bool ok, const std::string& error);
  void FinishJob(wire::JobStatus result);
  // Progress, for the client twice a second; Result() adds the totals of the counters.
  wire::JobStatus Status(const ActiveJob& job) const;
  wire::JobStatus Result(const ActiveJob& job, bool ok, const std::string& error) const;
  std::string JobJson(const ActiveJob& job, const wire::JobStatus& status) const;
  void Tick();

  asio::io_context& io_;
  MasterOptions options_;
  tcp::acceptor acceptor_;
  asio::steady_timer tick_;
  bool stopped_ = false;
  int next_worker_id_ = 1;
  uint64_t next_job_id_ = 1;
  std::map<int, WorkerState> workers_;
  std::deque<std::unique_ptr<ActiveJob>> jobs_;  // front() runs; the rest wait
  std::vector<std::weak_ptr<wire::Session>> clients_;  // every connection, to close at Stop()
};

Master::Master(asio::io_context& io, MasterOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {
  impl_->Start();
}
Master::~Master() = default;
uint16_t Master::port() const { return impl_->port(); }
void Master::Stop() { impl_->Stop(); }

void Master::Impl::Accept() {
  acceptor_.async_accept([self = shared_from_this()](boost::system::error_code ec,
                                                     tcp::socket socket) {
    if (ec) return;  // closed
    auto session = std::make_shared<wire::Session>(std::move(socket), self->options_.key);
    auto peer = std::make_shared<Peer>();
    std::weak_ptr<wire::Session> weak = session;
    session->Start(
        wire::Session::Role::kServer, nullptr,
        [self, weak, peer](MessageType type, std::string_view body) {
          if (auto s = weak.lock()) self->OnFrame(s, *peer, type, body);
        },
        [self, peer, weak](const std::string& reason) {
          self->OnClose(*peer, reason);
          if (peer->kind == Peer::Kind::kUnknown && !reason.empty()) {
            auto s = weak.lock();
            self->Log("refused a connection from " + (s ? s->peer() : "?") + ": " + reason);
          }
        });
    std::erase_if(self->clients_, [](const auto& weak) { return weak.expired(); });
    self->clients_.push_back(session);
    self->Accept();
  });
}

void Master::Impl::OnFrame(const std::shared_ptr<wire::Session>& session, Peer& peer,
                           MessageType type, std::string_view body) {
  if (peer.kind == Peer::Kind::kUnknown) {
    if (type == MessageType::kRegisterWorker) return RegisterWorker(session, peer, body);
    if (type == MessageType::kSubmitJob) {
      peer.kind = Peer::Kind::kClient;
      return Submit(session, body);
    }
    throw wire::DecodeError("expected a worker's registration or a job");
  }
  if (peer.kind == Peer::Kind::kClient) throw wire::DecodeError("a client sends one job");

  WorkerState& worker = workers_.at(peer.worker_id);
  worker.last_seen = Clock::now();
  switch (type) {
    case MessageType::kHeartbeat: {
      wire::Heartbeat beat;
      wire::Decode(body, beat);
      worker.progress_bytes = beat.bytes_done;
      break;
    }
    case MessageType::kTaskRequest:
      worker.idle = true;
      worker.progress_bytes = 0;
      Dispatch();
      break;
    case MessageType::kTaskReport: {
      wire::TaskReport report;
      wire::Decode(body, report);
      OnReport(peer.worker_id, report);
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
  peer.worker_id = next_worker_id_++;
  WorkerState& worker = workers_[peer.worker_id];
  worker.session = session;
  worker.name = hello.name;
  worker.host = hello.host;
  worker.data_port = hello.data_port;
  worker.last_seen = Clock::now();
  Log("worker " + std::to_string(peer.worker_id) + " (" + hello.name + ") registered from " +
      session->peer() + ", serving map output on " + hello.host + ":" +
      std::to_string(hello.data_port));
  session->SendMessage(MessageType::kRegistered,
                       wire::Registered{peer.worker_id, options_.heartbeat_ms});
  if (stopped_) {
    session->SendMessage(MessageType::kTaskAssignment, wire::TaskAssignment{true, {}});
    return;
  }
  if (!jobs_.empty() && jobs_.front()->scheduler) {
    jobs_.front()->scheduler->AddWorker(peer.worker_id, hello.host, hello.data_port);
  }
}

void Master::Impl::OnClose(Peer& peer, const std::string& reason) {
  if (peer.kind != Peer::Kind::kWorker) return;
  auto it = workers_.find(peer.worker_id);
  if (it == workers_.end()) return;
  if (!stopped_) {
    Log("lost worker " + std::to_string(peer.worker_id) + " (" + it->second.name + ")" +
        (reason.empty() ? "" : ": " + reason));
  }
  workers_.erase(it);
  if (!jobs_.empty() && jobs_.front()->scheduler) {
    jobs_.front()->scheduler->WorkerLost(peer.worker_id);
    Dispatch();
  }
}

void Master::Impl::Submit(const std::shared_ptr<wire::Session>& session, std::string_view body) {
  auto job = std::make_unique<ActiveJob>();
  wire::Decode(body, job->submission);
  job->id = next_job_id_++;
  job->client = session;
  job->submitted_at = Now();
  const wire::JobSubmission& s = job->submission;
  try {
    const JobDefinition& definition = GetJob(s.job_name);
    ResolveParams(s.job_name, definition, s.params);
    if (s.reduce_tasks < 1) throw std::runtime_error("reduce.tasks must be at least 1");
    CheckOutputDir(s.output_dir);
  } catch (const std::exception& e) {
    wire::JobStatus result;
    result.job_id = job->id;
    result.finished = true;
    result.error = e.what();
    session->SendMessage(MessageType::kJobResult, result);
    session->CloseAfterSending();
    return;
  }
  Log("job " + std::to_string(job->id) + " (" + s.job_name + ") submitted from " +
      session->peer() + " with " + std::to_string(s.input_paths.size()) + " input files");
  jobs_.push_back(std::move(job));
  if (jobs_.size() == 1) StartNextJob();
}

void Master::Impl::StartNextJob() {
  while (!jobs_.empty() && !jobs_.front()->scheduler) {
    ActiveJob& job = *jobs_.front();
    const wire::JobSubmission& s = job.submission;
    try {
      JobSpec spec;
      spec.id = job.id;
      spec.job_name = s.job_name;
      spec.params = ResolveParams(s.job_name, GetJob(s.job_name), s.params).values();
      spec.plan = PlanJob(s.input_paths, s.split_size);
      spec.reduce_tasks = s.reduce_tasks;
      CheckOutputDir(s.output_dir);
      spec.staging_dir = CreateStagingDir(s.output_dir, job.id);
      job.scheduler = std::make_unique<JobScheduler>(std::move(spec));
    } catch (const std::exception& e) {
      FinishJob(false, e.what());
      continue;
    }
    job.started = Clock::now();
    for (const auto& [id, worker] : workers_) {
      job.scheduler->AddWorker(id, worker.host, worker.data_port);
    }
    Log("job " + std::to_string(job.id) + " started: " +
        std::to_string(job.scheduler->progress().maps_total) + " map tasks, " +
        std::to_string(s.reduce_tasks) + " reduce tasks");
    Dispatch();
    CheckJob();  // a job without input is done at once
  }
}

void Master::Impl::Dispatch() {
  if (jobs_.empty() || !jobs_.front()->scheduler) return;
  JobScheduler& scheduler = *jobs_.front()->scheduler;
  for (auto& [id, worker] : workers_) {
    if (!worker.idle) continue;
    wire::TaskAssignment assignment;
    if (!scheduler.Assign(id, &assignment.task)) break;
    worker.idle = false;
    worker.session->SendMessage(MessageType::kTaskAssignment, assignment);
  }
}

void Master::Impl::OnReport(int worker, const wire::TaskReport& report) {
  if (jobs_.empty() || !jobs_.front()->scheduler || jobs_.front()->id != report.job_id) return;
  ActiveJob& job = *jobs_.front();
  std::string worker_name = workers_.count(worker) ? workers_[worker].name : "?";
  auto input = report.counters.find("map.input.bytes");
  job.tasks.push_back({report.is_map, report.index, report.attempt, worker_name, report.seconds,
                       input == report.counters.end() ? 0 : input->second, report.ok,
                       report.error});
  if (!report.ok) {
    Log(job.scheduler->Describe(report.is_map, report.index) + " attempt " +
        std::to_string(report.attempt) + " failed on " + worker_name + ": " + report.error);
  }
  job.scheduler->Complete(worker, report);
  CheckJob();
}

void Master::Impl::CheckJob() {
  if (jobs_.empty() || !jobs_.front()->scheduler) return;
  ActiveJob& job = *jobs_.front();
  JobScheduler& scheduler = *job.scheduler;
  if (scheduler.maps_done() && !job.maps_finished_noted) {
    job.maps_finished = Clock::now();
    job.maps_finished_noted = true;
  }
  if (scheduler.failed()) return FinishJob(false, scheduler.error());
  if (scheduler.done()) {
    try {
      wire::JobStatus result = Result(job, true, "");
      CommitOutput(scheduler.spec().staging_dir, job.submission.output_dir, JobJson(job, result));
      return FinishJob(std::move(result));
    } catch (const std::exception& e) {
      return FinishJob(false, e.what());
    }
  }
  Dispatch();
}

void Master::Impl::FinishJob(bool ok, const std::string& error) {
  FinishJob(Result(*jobs_.front(), ok, error));
}

void Master::Impl::FinishJob(wire::JobStatus result) {
  std::unique_ptr<ActiveJob> job = std::move(jobs_.front());
  jobs_.pop_front();
  bool ok = result.ok;
  const std::string& error = result.error;
  if (job->scheduler) {
    if (!ok) RemoveStagingDir(job->scheduler->spec().staging_dir);
    for (auto& [id, worker] : workers_) {
      worker.session->SendMessage(MessageType::kJobDone, wire::JobDone{job->id});
    }
  }
  Log("job " + std::to_string(job->id) + (ok ? " succeeded" : " failed: " + error));
  if (auto client = job->client.lock()) {
    client->SendMessage(MessageType::kJobResult, result);
    client->CloseAfterSending();
  }
  StartNextJob();
  Dispatch();
}

wire::JobStatus Master::Impl::Status(const ActiveJob& job) const {
  wire::JobStatus status;
  status.job_id = job.id;
  status.workers = static_cast<int32_t>(workers_.size());
  if (!job.scheduler) return status;
  JobProgress p = job.scheduler->progress();
  status.maps_done = p.maps_done;
  status.maps_total = p.maps_total;
  status.reduces_done = p.reduces_done;
  status.reduces_total = p.reduces_total;
  status.bytes_total = p.bytes_total;
  status.bytes_done = p.bytes_done;
  for (const auto& [task, worker] : job.scheduler->Running()) {
    auto it = workers_.find(worker);
    if (task.first && it != workers_.end()) status.bytes_done += it->second.progress_bytes;
  }
  status.bytes_done = std::min(status.bytes_done, status.bytes_total);
  status.seconds = SecondsBetween(job.started, Clock::now());
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

std::string Master::Impl::JobJson(const ActiveJob& job, const wire::JobStatus& status) const {
  const JobSpec& spec = job.scheduler->spec();
  auto now = Clock::now();
  nlohmann::json json;
  json["job"] = spec.job_name;
  json["job_id"] = job.id;
  json["params"] = spec.params;
  json["configuration"] = job.submission.config_yaml;
  json["input"] = {{"files", spec.plan.files.paths},
                   {"bytes", spec.plan.input_bytes},
                   {"split_size", job.submission.split_size},
                   {"splits", spec.plan.splits.size()}};
  json["output"] = {{"dir", job.submission.output_dir}, {"reduce_tasks", spec.reduce_tasks}};
  json["counters"] = status.counters;
  json["timings"] = {{"submitted", job.submitted_at},
                     {"finished", Now()},
                     {"seconds", SecondsBetween(job.started, now)},
                     {"map_seconds", SecondsBetween(job.started, job.maps_finished)},
                     {"reduce_seconds", SecondsBetween(job.maps_finished, now)}};
  json["workers"] = status.workers;
  nlohmann::json tasks = nlohmann::json::array();
  for (const TaskRecord& t : job.tasks) {
    nlohmann::json task = {{"phase", t.is_map ? "map" : "reduce"},
                           {"index", t.index},
                           {"attempt", t.attempt},
                           {"worker", t.worker},
                           {"seconds", t.seconds},
                           {"ok", t.ok}};
    if (t.is_map) task["input_bytes"] = t.input_bytes;
    if (!t.ok) task["error"] = t.error;
    tasks.push_back(task);
  }
  json["tasks"] = tasks;
  return json.dump(2) + "\n";
}

void Master::Impl::Tick() {
  if (stopped_) return;
  // Progress to the client of the running job, and the failure detector.
  if (!jobs_.empty() && jobs_.front()->scheduler) {
    if (auto client = jobs_.front()->client.lock()) {
      client->SendMessage(MessageType::kJobProgress, Status(*jobs_.front()));
    }
  }
  auto now = Clock::now();
  for (auto& [id, worker] : workers_) {
    if (now - worker.last_seen > std::chrono::milliseconds(options_.worker_timeout_ms)) {
      Log("worker " + std::to_string(id) + " (" + worker.name + ") has been silent for " +
          std::to_string(options_.worker_timeout_ms / 1000) + " s");
      worker.session->Close();  // OnClose reschedules its work
      break;                    // workers_ changed
    }
  }
  tick_.expires_after(std::chrono::milliseconds(500));
  tick_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->Tick();
  });
}

void Master::Impl::Stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  tick_.cancel();
  for (auto& [id, worker] : workers_) {
    worker.session->SendMessage(MessageType::kTaskAssignment, wire::TaskAssignment{true, {}});
    worker.session->CloseAfterSending();
  }
  for (auto& weak : clients_) {
    if (auto session = weak.lock()) session->CloseAfterSending();
  }
  while (!jobs_.empty()) {
    if (jobs_.front()->scheduler) RemoveStagingDir(jobs_.front()->scheduler->spec().staging_dir);
    jobs_.pop_front();
  }
}

}  // namespace minimr::runtime
