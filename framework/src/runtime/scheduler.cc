#include "framework/src/runtime/scheduler.h"

#include <algorithm>

namespace minimr::runtime {

namespace {
std::string Times(int n) { return std::to_string(n) + (n == 1 ? " time" : " times"); }
}  // namespace

const char* OutcomeName(AttemptRecord::Outcome outcome) {
  switch (outcome) {
    case AttemptRecord::Outcome::kRunning:
      return "running";
    case AttemptRecord::Outcome::kSucceeded:
      return "succeeded";
    case AttemptRecord::Outcome::kFailed:
      return "failed";
    case AttemptRecord::Outcome::kLost:
      return "lost";
    case AttemptRecord::Outcome::kKilled:
      return "killed";
  }
  return "?";
}

JobScheduler::JobScheduler(JobSpec spec) : spec_(std::move(spec)) {
  maps_.resize(spec_.plan.splits.size());
  reduces_.resize(spec_.reduce_tasks);
  for (size_t i = 0; i < maps_.size(); ++i) waiting_maps_.insert(static_cast<int>(i));
  for (int i = 0; i < spec_.reduce_tasks; ++i) waiting_reduces_.insert(i);
}

void JobScheduler::AddWorker(int worker, const std::string& name, const std::string& host,
                             uint16_t port) {
  workers_[worker] = {name, host, port};
}

std::string JobScheduler::Describe(bool is_map, int index) const {
  if (!is_map) return "reduce task " + std::to_string(index);
  const InputSplit& split = spec_.plan.splits[index];
  if (split.file_index == kSyntheticSplit) {
    return "map task " + std::to_string(index) + " (synthetic, " + std::to_string(split.offset) +
           "+" + std::to_string(split.length) + ")";
  }
  const std::string& path = spec_.plan.files.paths[split.file_index];
  return "map task " + std::to_string(index) + " (" + path.substr(path.rfind('/') + 1) +
         ", bytes " + std::to_string(split.offset) + "-" +
         std::to_string(split.offset + split.length) + ")";
}

bool JobScheduler::Excluded(int worker) const {
  auto failing = [this](int w) {
    auto it = failures_on_worker_.find(w);
    return it != failures_on_worker_.end() && it->second >= spec_.options.max_failures_per_worker;
  };
  if (!failing(worker)) return false;
  // Exclusion must not leave the job without any worker.
  return std::any_of(workers_.begin(), workers_.end(),
                     [&](const auto& entry) { return !failing(entry.first); });
}

std::vector<std::string> JobScheduler::ExcludedWorkers() const {
  std::vector<std::string> names;
  for (const auto& [worker, failures] : failures_on_worker_) {
    if (failures < spec_.options.max_failures_per_worker) continue;
    auto it = workers_.find(worker);
    names.push_back(it != workers_.end() ? it->second.name : "worker " + std::to_string(worker));
  }
  return names;
}

bool JobScheduler::Assign(int worker, TimePoint now, wire::TaskSpec* task) {
  if (failed() || done() || !workers_.count(worker) || Excluded(worker)) return false;
  if (!waiting_maps_.empty()) {
    StartAttempt(true, *waiting_maps_.begin(), worker, now, false, task);
    return true;
  }
  if (maps_done() && !waiting_reduces_.empty()) {
    StartAttempt(false, *waiting_reduces_.begin(), worker, now, false, task);
    return true;
  }
  if (auto straggler = FindStraggler(worker, now)) {
    StartAttempt(straggler->first, straggler->second, worker, now, true, task);
    return true;
  }
  return false;
}

std::optional<std::pair<bool, int>> JobScheduler::FindStraggler(int worker, TimePoint now) const {
  const SchedulerOptions& options = spec_.options;
  if (!options.speculation) return std::nullopt;
  bool is_map = !maps_done();
  std::vector<double> finished = finished_seconds_[is_map];
  double threshold = 10 * Seconds(options.speculation_min);
  if (!finished.empty()) {
    std::nth_element(finished.begin(), finished.begin() + finished.size() / 2, finished.end());
    threshold = std::max(Seconds(options.speculation_min),
                         options.speculation_slowdown * finished[finished.size() / 2]);
  }
  std::optional<std::pair<bool, int>> best;
  double longest = threshold;
  const auto& tasks = is_map ? maps_ : reduces_;
  for (size_t i = 0; i < tasks.size(); ++i) {
    const Task& t = tasks[i];
    if (t.state != State::kRunning || t.running.size() != 1 || t.running[0].worker == worker) {
      continue;
    }
    double elapsed = Seconds(now - records_[t.running[0].record].started);
    if (elapsed > longest) {
      longest = elapsed;
      best = {is_map, static_cast<int>(i)};
    }
  }
  return best;
}

void JobScheduler::StartAttempt(bool is_map, int index, int worker, TimePoint now,
                                bool speculative, wire::TaskSpec* task) {
  Task& t = TaskOf(is_map, index);
  (is_map ? waiting_maps_ : waiting_reduces_).erase(index);
  t.state = State::kRunning;
  int attempt = t.next_attempt++;
  AttemptRecord record;
  record.is_map = is_map;
  record.index = index;
  record.attempt = attempt;
  record.worker = worker;
  record.worker_name = workers_.at(worker).name;
  record.speculative = speculative;
  record.started = now;
  t.running.push_back({worker, attempt, records_.size()});
  records_.push_back(std::move(record));

  *task = wire::TaskSpec();
  task->job_id = spec_.id;
  task->job_name = spec_.job_name;
  task->plugin_path = spec_.plugin_path;
  task->plugin_sha256 = spec_.plugin_sha256;
  task->params = spec_.params;
  task->is_map = is_map;
  task->index = index;
  task->attempt = attempt;
  task->reduce_tasks = spec_.reduce_tasks;
  if (is_map) {
    const InputSplit& split = spec_.plan.splits[index];
    task->input_paths = spec_.plan.files.paths;
    task->input_sizes = spec_.plan.files.sizes;
    task->file_index = split.file_index;
    task->offset = split.offset;
    task->length = split.length;
  } else {
    for (size_t m = 0; m < maps_.size(); ++m) {
      const WorkerInfo& holder = workers_.at(maps_[m].winner_worker);
      task->map_outputs.push_back(
          {holder.host, holder.port, static_cast<int>(m), maps_[m].winner_attempt});
    }
    task->output_dir = spec_.staging_dir;
    task->output_format = spec_.output_format;
    task->parallel_copies = spec_.parallel_copies;
  }
}

Completion JobScheduler::Complete(int worker, const wire::TaskReport& report, TimePoint now) {
  Completion completion;
  auto& tasks = report.is_map ? maps_ : reduces_;
  if (failed() || report.job_id != spec_.id || report.index < 0 ||
      report.index >= static_cast<int>(tasks.size())) {
    return completion;
  }
  Task& t = tasks[report.index];
  auto it = std::find_if(t.running.begin(), t.running.end(), [&](const LiveAttempt& r) {
    return r.worker == worker && r.attempt == report.attempt;
  });
  if (it == t.running.end()) return completion;
  AttemptRecord& record = records_[it->record];
  record.seconds = Seconds(now - record.started);
  auto input = report.counters.find("map.input.bytes");
  if (input != report.counters.end()) record.input_bytes = input->second;
  t.running.erase(it);

  if (report.ok) {
    record.outcome = AttemptRecord::Outcome::kSucceeded;
    t.state = State::kDone;
    t.winner_worker = worker;
    t.winner_attempt = report.attempt;
    t.counters = Counters();
    for (const auto& [name, value] : report.counters) t.counters.Add(name, value);
    ++(report.is_map ? maps_done_ : reduces_done_);
    finished_seconds_[report.is_map].push_back(record.seconds);
    for (const LiveAttempt& other : t.running) {
      records_[other.record].outcome = AttemptRecord::Outcome::kKilled;
      records_[other.record].seconds = Seconds(now - records_[other.record].started);
      completion.to_kill.push_back(
          {other.worker, wire::KillTask{spec_.id, report.is_map, report.index, other.attempt}});
    }
    t.running.clear();
    completion.accepted = true;
    return completion;
  }

  record.outcome = AttemptRecord::Outcome::kFailed;
  record.error = report.error;
  if (!report.is_map && !report.lost_maps.empty()) {
    // The reduce could not fetch some map output: that output is lost, not the reduce's fault.
    for (const wire::MapOutputLocation& lost : report.lost_maps) {
      if (lost.map_task < 0 || lost.map_task >= static_cast<int>(maps_.size())) continue;
      Task& map = maps_[lost.map_task];
      if (map.state != State::kDone || map.winner_attempt != lost.attempt) continue;
      for (AttemptRecord& r : records_) {
        if (r.is_map && r.index == lost.map_task && r.attempt == lost.attempt) {
          r.outcome = AttemptRecord::Outcome::kLost;
          r.error = "its output could not be fetched: " + report.error;
        }
      }
      MarkWaiting(true, lost.map_task);
      if (++map.failures >= spec_.options.max_attempts) {
        error_ = Describe(true, lost.map_task) + " failed " + Times(map.failures) +
                 "; its attempts:\n" + History(true, lost.map_task);
        return completion;
      }
    }
    if (t.running.empty()) MarkWaiting(false, report.index);
    return completion;
  }
  AttemptFailed(report.is_map, report.index, worker);
  return completion;
}

void JobScheduler::AttemptFailed(bool is_map, int index, int worker) {
  Task& t = TaskOf(is_map, index);
  ++failures_on_worker_[worker];
  if (++t.failures >= spec_.options.max_attempts) {
    error_ = Describe(is_map, index) + " failed " + Times(t.failures) + "; its attempts:\n" +
             History(is_map, index);
    return;
  }
  if (t.running.empty()) MarkWaiting(is_map, index);
}

std::string JobScheduler::History(bool is_map, int index) const {
  std::string text;
  for (const AttemptRecord& r : records_) {
    if (r.is_map != is_map || r.index != index) continue;
    text += "  attempt " + std::to_string(r.attempt) + " on " + r.worker_name + ": " +
            OutcomeName(r.outcome) + (r.error.empty() ? "" : ": " + r.error) + "\n";
  }
  if (!text.empty()) text.pop_back();
  return text;
}

void JobScheduler::MarkWaiting(bool is_map, int index) {
  Task& task = TaskOf(is_map, index);
  if (task.state == State::kDone) {
    --(is_map ? maps_done_ : reduces_done_);
    task.counters = Counters();
  }
  task.state = task.running.empty() ? State::kWaiting : State::kRunning;
  task.winner_worker = task.winner_attempt = -1;
  if (task.state == State::kWaiting) (is_map ? waiting_maps_ : waiting_reduces_).insert(index);
}

void JobScheduler::WorkerLost(int worker, const std::string& reason, TimePoint now,
                              bool handed_back) {
  std::string name = workers_.count(worker) ? workers_[worker].name : "a worker";
  workers_.erase(worker);
  if (failed() || done()) return;
  for (int phase = 0; phase < 2; ++phase) {
    bool is_map = phase == 0;
    auto& tasks = is_map ? maps_ : reduces_;
    for (size_t i = 0; i < tasks.size(); ++i) {
      Task& t = tasks[i];
      auto it = std::find_if(t.running.begin(), t.running.end(),
                             [&](const LiveAttempt& r) { return r.worker == worker; });
      if (it != t.running.end()) {
        AttemptRecord& record = records_[it->record];
        record.outcome = AttemptRecord::Outcome::kLost;
        record.seconds = Seconds(now - record.started);
        record.error = name + (handed_back ? " handed it back" : " was lost") +
                       (reason.empty() ? "" : ": " + reason);
        t.running.erase(it);
        if (handed_back) {
          if (t.running.empty()) MarkWaiting(is_map, static_cast<int>(i));
          continue;
        }
        AttemptFailed(is_map, static_cast<int>(i), worker);
        if (failed()) return;
      } else if (is_map && t.state == State::kDone && t.winner_worker == worker) {
        // Hadoop's rule: map output on a lost worker is lost. Every reduce still needs it.
        for (AttemptRecord& r : records_) {
          if (r.is_map && r.index == static_cast<int>(i) && r.attempt == t.winner_attempt) {
            r.outcome = AttemptRecord::Outcome::kLost;
            r.error = "its output was lost with " + name;
          }
        }
        MarkWaiting(true, static_cast<int>(i));
      }
    }
  }
  failures_on_worker_.erase(worker);
}

JobProgress JobScheduler::progress() const {
  JobProgress p;
  p.maps_done = maps_done_;
  p.maps_total = static_cast<int>(maps_.size());
  p.reduces_done = reduces_done_;
  p.reduces_total = static_cast<int>(reduces_.size());
  p.bytes_total = spec_.plan.input_bytes;
  for (size_t i = 0; i < maps_.size(); ++i) {
    if (maps_[i].state == State::kDone) p.bytes_done += spec_.plan.splits[i].length;
  }
  return p;
}

Counters JobScheduler::counters() const {
  Counters total;
  for (const Task& t : maps_) total.Merge(t.counters);
  for (const Task& t : reduces_) total.Merge(t.counters);
  return total;
}

std::map<std::pair<bool, int>, int> JobScheduler::Running() const {
  std::map<std::pair<bool, int>, int> running;
  for (size_t i = 0; i < maps_.size(); ++i) {
    if (!maps_[i].running.empty()) running[{true, int(i)}] = maps_[i].running[0].worker;
  }
  for (size_t i = 0; i < reduces_.size(); ++i) {
    if (!reduces_[i].running.empty()) running[{false, int(i)}] = reduces_[i].running[0].worker;
  }
  return running;
}

}  // namespace minimr::runtime
