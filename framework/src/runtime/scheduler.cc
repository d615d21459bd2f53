#include "framework/src/runtime/scheduler.h"

#include <algorithm>

namespace minimr::runtime {

namespace {

std::string Times(int n) { return std::to_string(n) + (n == 1 ? " time" : " times"); }

// Counters packed as varints: (name's index in `names`, zigzag value) pairs. A small task's
// counters fit the string's own bytes (15), so most tasks cost no allocation.
void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

uint64_t GetVarint(std::string_view* in) {
  uint64_t v = 0;
  for (int shift = 0; !in->empty(); shift += 7) {
    auto byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    v |= uint64_t(byte & 0x7f) << shift;
    if (!(byte & 0x80)) break;
  }
  return v;
}

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
  size_t bytes = 0;
  for (const std::string& path : spec_.plan.files.paths) bytes += wire::EncodedGuess(path);
  input_files_fit_ = bytes <= spec_.inline_list_bytes;
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

std::string JobScheduler::WorkerName(int worker) const {
  auto it = workers_.find(worker);
  return it != workers_.end() ? it->second.name : "worker " + std::to_string(worker);
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
    names.push_back(WorkerName(worker));
  }
  return names;
}

bool JobScheduler::Assign(int worker, TimePoint now, wire::TaskSpec* task) {
  preempted_workers_.erase(worker);  // it has come back for a task
  if (failed() || done() || !workers_.count(worker) || Excluded(worker)) return false;
  for (bool is_map : {true, false}) {
    if (!is_map && !maps_done()) break;
    const int p = is_map;
    const int total = static_cast<int>((is_map ? maps_ : reduces_).size());
    // The lowest waiting index: queued again, or never started.
    int index = next_fresh_[p] < total ? next_fresh_[p] : -1;
    if (!requeued_[p].empty() && (index < 0 || *requeued_[p].begin() < index)) {
      index = *requeued_[p].begin();
    }
    if (index < 0) continue;
    StartAttempt(is_map, index, worker, now, false, task);
    return true;
  }
  if (auto straggler = FindStraggler(worker, now)) {
    StartAttempt(straggler->first, straggler->second, worker, now, true, task);
    return true;
  }
  return false;
}

size_t JobScheduler::WaitingTasks() const {
  if (failed() || done()) return 0;
  auto waiting = [this](bool is_map) {
    return (is_map ? maps_ : reduces_).size() - static_cast<size_t>(next_fresh_[is_map]) +
           requeued_[is_map].size();
  };
  const size_t maps = waiting(true);
  return maps > 0 || !maps_done() ? maps : waiting(false);
}

std::vector<AttemptToKill> JobScheduler::PreemptReduces(TimePoint now) {
  std::vector<AttemptToKill> to_kill;
  // Reduces run only once every map has been given out: the maps that wait then are queued again.
  // While a map runs, the maps are moving: nothing is stuck.
  const size_t waiting_maps = failed() || done() ? 0 : requeued_[1].size();
  if (waiting_maps == 0 || attempts_running_[0] == 0 || attempts_running_[1] > 0) {
    maps_waiting_since_.reset();
    return to_kill;
  }
  if (!maps_waiting_since_) maps_waiting_since_ = now;
  if (now - *maps_waiting_since_ < kPreemptAfter) return to_kill;
  size_t wanted = waiting_maps - std::min(waiting_maps, preempted_workers_.size());
  // Newest first: the reduce that has fetched least. Not on an excluded worker, which would not
  // be given the map.
  std::vector<std::pair<int, LiveAttempt>> newest;  // (reduce index, attempt)
  for (auto it = running_.rbegin(); it != running_.rend() && newest.size() < wanted; ++it) {
    const auto [is_map, index] = it->second;
    if (is_map) continue;
    const std::vector<LiveAttempt>& attempts = reduces_[index].running;
    const auto attempt = std::find_if(attempts.begin(), attempts.end(),
                                      [&](const LiveAttempt& a) { return a.order == it->first; });
    if (!Excluded(attempt->worker)) newest.emplace_back(index, *attempt);
  }
  for (const std::pair<int, LiveAttempt>& victim : newest) {
    const int index = victim.first;
    const LiveAttempt& live = victim.second;  // not a structured binding: lambdas capture it
    Task& t = reduces_[index];
    const auto attempt = std::find_if(t.running.begin(), t.running.end(),
                                      [&](const LiveAttempt& a) { return a.order == live.order; });
    to_kill.push_back({live.worker, wire::KillTask{spec_.id, false, index, live.attempt}});
    EndAttempt(false, index, static_cast<size_t>(attempt - t.running.begin()),
               AttemptRecord::Outcome::kKilled, now,
               "preempted: " + std::to_string(waiting_maps) +
                   " map task(s) must run again, and no worker was free");
    if (t.running.empty()) MarkWaiting(false, index);
    preempted_workers_.insert(live.worker);
  }
  return to_kill;
}

double JobScheduler::MedianSeconds(bool is_map) const {
  const std::vector<float>& finished = finished_seconds_[is_map];
  // Exact while few tasks have finished; then again each time their number grew by 1/32.
  size_t& of = median_of_[is_map];
  if (finished.size() != of && (finished.size() < 64 || finished.size() >= of + of / 32)) {
    std::vector<float> copy = finished;
    std::nth_element(copy.begin(), copy.begin() + copy.size() / 2, copy.end());
    median_[is_map] = copy[copy.size() / 2];
    of = finished.size();
  }
  return median_[is_map];
}

std::optional<std::pair<bool, int>> JobScheduler::FindStraggler(int worker, TimePoint now) const {
  const SchedulerOptions& options = spec_.options;
  if (!options.speculation) return std::nullopt;
  bool is_map = !maps_done();
  double threshold = 10 * Seconds(options.speculation_min);
  if (!finished_seconds_[is_map].empty()) {
    threshold = std::max(Seconds(options.speculation_min),
                         options.speculation_slowdown * MedianSeconds(is_map));
  }
  // Oldest first: the first one that may have a backup is the one that has run longest.
  for (const auto& [order, which] : running_) {
    const auto& [task_is_map, index] = which;
    const Task& t = (task_is_map ? maps_ : reduces_)[index];
    if (Seconds(now - t.running[0].started) <= threshold) break;
    if (task_is_map != is_map || t.running.size() != 1 || t.running[0].worker == worker) {
      continue;
    }
    return which;
  }
  return std::nullopt;
}

void JobScheduler::StartAttempt(bool is_map, int index, int worker, TimePoint now,
                                bool speculative, wire::TaskSpec* task) {
  Task& t = TaskOf(is_map, index);
  if (!speculative) {
    if (index == next_fresh_[is_map]) {
      ++next_fresh_[is_map];
    } else {
      requeued_[is_map].erase(index);
    }
  }
  t.state = State::kRunning;
  int attempt = t.next_attempt++;
  uint64_t order = next_order_++;
  t.running.push_back({worker, attempt, speculative, order, now});
  running_[order] = {is_map, index};
  ++attempts_started_[is_map];
  ++attempts_running_[is_map];

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
  task->shuffle = spec_.shuffle;
  if (is_map) {
    const InputSplit& split = spec_.plan.splits[index];
    task->file_index = split.file_index;
    task->offset = split.offset;
    task->length = split.length;
  } else {
    task->map_tasks = static_cast<int32_t>(maps_.size());
    task->output_dir = spec_.staging_dir;
    task->output_format = spec_.output_format;
    task->parallel_copies = spec_.parallel_copies;
  }
  AttachLists(worker, task);
}

void JobScheduler::AttachLists(int worker, wire::TaskSpec* task) {
  if (task->is_map) {
    auto info = workers_.find(worker);
    if (!input_files_fit_ || info == workers_.end() || info->second.has_input_files) return;
    task->input_paths = spec_.plan.files.paths;
    task->input_sizes = spec_.plan.files.sizes;
    info->second.has_input_files = true;
    return;
  }
  // Each location takes at least EncodedGuess's 32 bytes: no more than this many can fit.
  MapOutputsFrom(0, spec_.inline_list_bytes / 32, &task->map_outputs);
  size_t bytes = 0, fit = 0;
  for (; fit < task->map_outputs.size(); ++fit) {
    bytes += wire::EncodedGuess(task->map_outputs[fit]);
    if (bytes > spec_.inline_list_bytes) break;
  }
  task->map_outputs.resize(fit);
}

void JobScheduler::EndAttempt(bool is_map, int index, size_t which, AttemptRecord::Outcome outcome,
                              TimePoint now, const std::string& error) {
  Task& t = TaskOf(is_map, index);
  LiveAttempt live = t.running[which];
  t.running.erase(t.running.begin() + static_cast<std::ptrdiff_t>(which));
  running_.erase(live.order);
  --attempts_running_[is_map];
  double seconds = Seconds(now - live.started);
  if (outcome == AttemptRecord::Outcome::kSucceeded) {
    finished_seconds_[is_map].push_back(static_cast<float>(seconds));
    if (!live.speculative) return;
  }
  AttemptRecord record;
  record.is_map = is_map;
  record.index = index;
  record.attempt = live.attempt;
  record.worker = live.worker;
  record.worker_name = WorkerName(live.worker);
  record.speculative = live.speculative;
  record.started = live.started;
  record.seconds = seconds;
  record.outcome = outcome;
  record.error = error;
  notable_.push_back(std::move(record));
}

void JobScheduler::MapOutputsFrom(int from, size_t max,
                                  std::vector<wire::MapOutputLocation>* out) const {
  for (size_t m = std::max(from, 0); m < maps_.size() && out->size() < max; ++m) {
    const Task& map = maps_[m];
    auto holder = workers_.find(map.winner_worker);
    if (map.state != State::kDone || holder == workers_.end()) return;
    out->push_back(
        {holder->second.host, holder->second.port, static_cast<int>(m), map.winner_attempt});
  }
}

std::optional<size_t> JobScheduler::RunningIndex(int worker,
                                                 const wire::TaskReport& report) const {
  const auto& tasks = report.is_map ? maps_ : reduces_;
  if (report.job_id != spec_.id || report.index < 0 ||
      report.index >= static_cast<int>(tasks.size())) {
    return std::nullopt;
  }
  const std::vector<LiveAttempt>& running = tasks[report.index].running;
  const auto it = std::find_if(running.begin(), running.end(), [&](const LiveAttempt& r) {
    return r.worker == worker && r.attempt == report.attempt;
  });
  if (it == running.end()) return std::nullopt;
  return static_cast<size_t>(it - running.begin());
}

bool JobScheduler::IsRunning(int worker, const wire::TaskReport& report) const {
  return RunningIndex(worker, report).has_value();
}

void JobScheduler::AttemptStarted(int worker, const wire::TaskReport& attempt, TimePoint now) {
  const std::optional<size_t> which = RunningIndex(worker, attempt);
  if (!which) return;
  Task& task = TaskOf(attempt.is_map, attempt.index);
  if (task.running.size() > 1) return;
  LiveAttempt& live = task.running[*which];
  running_.erase(live.order);  // running_ stays in order of start
  live.order = next_order_++;
  running_[live.order] = {attempt.is_map, attempt.index};
  live.started = now;
}

bool JobScheduler::TakeBack(int worker, const wire::TaskReport& attempt, TimePoint now,
                            const std::string& why) {
  const std::optional<size_t> which = RunningIndex(worker, attempt);
  if (!which) return false;
  EndAttempt(attempt.is_map, attempt.index, *which, AttemptRecord::Outcome::kKilled, now, why);
  if (TaskOf(attempt.is_map, attempt.index).running.empty()) {
    MarkWaiting(attempt.is_map, attempt.index);
  }
  return true;
}

Completion JobScheduler::Complete(int worker, const wire::TaskReport& report, TimePoint now) {
  Completion completion;
  const std::optional<size_t> running = failed() ? std::nullopt : RunningIndex(worker, report);
  if (!running) return completion;
  const size_t which = *running;
  Task& t = TaskOf(report.is_map, report.index);

  if (report.ok) {
    // The task's other attempts are useless now: killed first, so that the record of a backup
    // that won comes after that of the attempt it beat.
    for (size_t i = t.running.size(); i-- > 0;) {
      if (i == which) continue;
      const LiveAttempt& other = t.running[i];
      completion.to_kill.push_back(
          {other.worker, wire::KillTask{spec_.id, report.is_map, report.index, other.attempt}});
      EndAttempt(report.is_map, report.index, i, AttemptRecord::Outcome::kKilled, now, "");
    }
    EndAttempt(report.is_map, report.index, 0, AttemptRecord::Outcome::kSucceeded, now, "");
    t.state = State::kDone;
    t.winner_worker = worker;
    t.winner_attempt = report.attempt;
    // Packed in the order of the names' first use in this job.
    t.counters.clear();
    for (const auto& [name, value] : report.counters) {
      auto [id, fresh] = counter_ids_.try_emplace(name, counter_names_.size());
      if (fresh) counter_names_.push_back(name);
      PutVarint(&t.counters, id->second);
      PutVarint(&t.counters, (uint64_t(value) << 1) ^ uint64_t(value >> 63));
    }
    t.counters.shrink_to_fit();
    ++(report.is_map ? maps_done_ : reduces_done_);
    if (report.is_map) bytes_done_ += spec_.plan.splits[report.index].length;
    completion.accepted = true;
    return completion;
  }

  EndAttempt(report.is_map, report.index, which, AttemptRecord::Outcome::kFailed, now,
             report.error);
  if (!report.is_map && !report.lost_maps.empty()) {
    // The reduce could not fetch some map output: that output is lost, not the reduce's fault,
    // and so is every other output the same worker holds (the reduce knows only the locations
    // it has been given so far).
    std::set<int> holders;
    for (const wire::MapOutputLocation& lost : report.lost_maps) {
      if (lost.map_task < 0 || lost.map_task >= static_cast<int>(maps_.size())) continue;
      const Task& map = maps_[lost.map_task];
      if (map.state == State::kDone && map.winner_attempt == lost.attempt) {
        holders.insert(map.winner_worker);
      }
    }
    for (size_t m = 0; m < maps_.size() && !holders.empty(); ++m) {
      Task& map = maps_[m];
      if (map.state != State::kDone || !holders.count(map.winner_worker)) continue;
      LoseMapOutput(static_cast<int>(m), "its output could not be fetched: " + report.error);
      if (++map.failures >= spec_.options.max_attempts) {
        error_ = Describe(true, static_cast<int>(m)) + " failed " + Times(map.failures) +
                 "; its attempts:\n" + History(true, static_cast<int>(m));
        return completion;
      }
    }
    if (t.running.empty()) MarkWaiting(false, report.index);
    return completion;
  }
  AttemptFailed(report.is_map, report.index, worker);
  return completion;
}

void JobScheduler::LoseMapOutput(int index, const std::string& error) {
  Task& map = maps_[index];
  AttemptRecord record;
  record.is_map = true;
  record.index = index;
  record.attempt = map.winner_attempt;
  record.worker = map.winner_worker;
  record.worker_name = WorkerName(map.winner_worker);
  record.outcome = AttemptRecord::Outcome::kLost;
  record.error = error;
  notable_.push_back(std::move(record));
  MarkWaiting(true, index);
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
  for (const AttemptRecord& r : notable_) {
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
    if (is_map) bytes_done_ -= spec_.plan.splits[index].length;
    task.counters.clear();
  }
  task.state = task.running.empty() ? State::kWaiting : State::kRunning;
  task.winner_worker = task.winner_attempt = -1;
  if (task.state == State::kWaiting) requeued_[is_map].insert(index);
}

void JobScheduler::WorkerLost(int worker, const std::string& reason, TimePoint now,
                              bool handed_back) {
  std::string name = workers_.count(worker) ? workers_[worker].name : "a worker";
  if (failed() || done()) {
    workers_.erase(worker);
    return;
  }
  for (int phase = 0; phase < 2; ++phase) {
    bool is_map = phase == 0;
    auto& tasks = is_map ? maps_ : reduces_;
    for (size_t i = 0; i < tasks.size(); ++i) {
      Task& t = tasks[i];
      auto it = std::find_if(t.running.begin(), t.running.end(),
                             [&](const LiveAttempt& r) { return r.worker == worker; });
      if (it != t.running.end()) {
        EndAttempt(is_map, static_cast<int>(i), static_cast<size_t>(it - t.running.begin()),
                   AttemptRecord::Outcome::kLost, now,
                   name + (handed_back ? " handed it back" : " was lost") +
                       (reason.empty() ? "" : ": " + reason));
        if (handed_back) {
          if (t.running.empty()) MarkWaiting(is_map, static_cast<int>(i));
          continue;
        }
        AttemptFailed(is_map, static_cast<int>(i), worker);
        if (failed()) break;
      } else if (is_map && t.state == State::kDone && t.winner_worker == worker) {
        // Hadoop's rule: map output on a lost worker is lost. Every reduce still needs it.
        LoseMapOutput(static_cast<int>(i), "its output was lost with " + name);
      }
    }
    if (failed()) break;
  }
  workers_.erase(worker);
  failures_on_worker_.erase(worker);
  preempted_workers_.erase(worker);
}

JobProgress JobScheduler::progress() const {
  JobProgress p;
  p.maps_done = maps_done_;
  p.maps_total = static_cast<int>(maps_.size());
  p.reduces_done = reduces_done_;
  p.reduces_total = static_cast<int>(reduces_.size());
  p.bytes_total = spec_.plan.input_bytes;
  p.bytes_done = bytes_done_;
  return p;
}

Counters JobScheduler::counters() const {
  std::vector<int64_t> sums(counter_names_.size());
  for (const auto* tasks : {&maps_, &reduces_}) {
    for (const Task& t : *tasks) {
      for (std::string_view in = t.counters; !in.empty();) {
        uint64_t id = GetVarint(&in);
        uint64_t zigzag = GetVarint(&in);
        if (id < sums.size()) sums[id] += static_cast<int64_t>((zigzag >> 1) ^ -(zigzag & 1));
      }
    }
  }
  Counters total;
  for (size_t i = 0; i < sums.size(); ++i) total.Add(counter_names_[i], sums[i]);
  return total;
}

PhaseSummary JobScheduler::Summary(bool is_map) const {
  PhaseSummary summary;
  summary.tasks = static_cast<int>((is_map ? maps_ : reduces_).size());
  summary.attempts = attempts_started_[is_map];
  summary.seconds = finished_seconds_[is_map];
  summary.succeeded = static_cast<int64_t>(summary.seconds.size());
  for (const AttemptRecord& r : notable_) {
    if (r.is_map != is_map) continue;
    if (r.speculative) ++summary.speculative;
    if (r.outcome == AttemptRecord::Outcome::kFailed) ++summary.failed;
    if (r.outcome == AttemptRecord::Outcome::kKilled) ++summary.killed;
    if (r.outcome == AttemptRecord::Outcome::kLost) ++summary.lost;
  }
  return summary;
}

std::map<std::pair<bool, int>, int> JobScheduler::Running() const {
  std::map<std::pair<bool, int>, int> running;
  for (const auto& [order, which] : running_) {
    const Task& t = (which.first ? maps_ : reduces_)[which.second];
    running.emplace(which, t.running[0].worker);
  }
  return running;
}

}  // namespace minimr::runtime
