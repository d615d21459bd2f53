#include "framework/src/runtime/scheduler.h"

#include <algorithm>

namespace minimr::runtime {

JobScheduler::JobScheduler(JobSpec spec, int max_attempts)
    : spec_(std::move(spec)), max_attempts_(max_attempts) {
  maps_.resize(spec_.plan.splits.size());
  reduces_.resize(spec_.reduce_tasks);
  for (size_t i = 0; i < maps_.size(); ++i) waiting_maps_.push_back(static_cast<int>(i));
  for (int i = 0; i < spec_.reduce_tasks; ++i) waiting_reduces_.push_back(i);
}

void JobScheduler::AddWorker(int worker, const std::string& host, uint16_t port) {
  workers_[worker] = {host, port};
}

std::string JobScheduler::Describe(bool is_map, int index) const {
  if (!is_map) return "reduce task " + std::to_string(index);
  const InputSplit& split = spec_.plan.splits[index];
  const std::string& path = spec_.plan.files.paths[split.file_index];
  return "map task " + std::to_string(index) + " (" + path.substr(path.rfind('/') + 1) +
         ", bytes " + std::to_string(split.offset) + "-" +
         std::to_string(split.offset + split.length) + ")";
}

JobScheduler::Task* JobScheduler::Find(bool is_map, int index) {
  auto& tasks = is_map ? maps_ : reduces_;
  if (index < 0 || index >= static_cast<int>(tasks.size())) return nullptr;
  return &tasks[index];
}

bool JobScheduler::Assign(int worker, wire::TaskSpec* task) {
  if (failed() || done()) return false;
  bool is_map = !waiting_maps_.empty();
  if (!is_map && (!maps_done() || waiting_reduces_.empty())) return false;
  auto& queue = is_map ? waiting_maps_ : waiting_reduces_;
  int index = queue.front();
  queue.erase(queue.begin());
  Task& t = is_map ? maps_[index] : reduces_[index];
  t.state = State::kRunning;
  t.worker = worker;

  *task = wire::TaskSpec();
  task->job_id = spec_.id;
  task->job_name = spec_.job_name;
  task->params = spec_.params;
  task->is_map = is_map;
  task->index = index;
  task->attempt = t.attempts++;
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
      const auto& [host, port] = workers_.at(maps_[m].worker);
      task->map_outputs.push_back({host, port, static_cast<int>(m), maps_[m].attempts - 1});
    }
    task->output_dir = spec_.staging_dir;
  }
  return true;
}

void JobScheduler::Complete(int worker, const wire::TaskReport& report) {
  Task* t = Find(report.is_map, report.index);
  if (!t || t->state != State::kRunning || t->worker != worker ||
      report.attempt != t->attempts - 1 || failed()) {
    return;
  }
  if (report.ok) {
    t->state = State::kDone;
    t->counters = Counters();
    for (const auto& [name, value] : report.counters) t->counters.Add(name, value);
    ++(report.is_map ? maps_done_ : reduces_done_);
    return;
  }
  if (++t->failures >= max_attempts_) {
    error_ = Describe(report.is_map, report.index) + " failed " + std::to_string(t->failures) +
             " times; the last error: " + report.error;
    return;
  }
  MarkWaiting(report.is_map, report.index, *t);
}

void JobScheduler::MarkWaiting(bool is_map, int index, Task& task) {
  if (task.state == State::kDone) --(is_map ? maps_done_ : reduces_done_);
  task.state = State::kWaiting;
  task.worker = -1;
  auto& queue = is_map ? waiting_maps_ : waiting_reduces_;
  queue.insert(std::upper_bound(queue.begin(), queue.end(), index), index);
}

void JobScheduler::WorkerLost(int worker) {
  workers_.erase(worker);
  if (failed() || done()) return;
  for (size_t i = 0; i < reduces_.size(); ++i) {
    Task& t = reduces_[i];
    if (t.state == State::kRunning && t.worker == worker) MarkWaiting(false, int(i), t);
  }
  for (size_t i = 0; i < maps_.size(); ++i) {
    Task& t = maps_[i];
    // Finished maps are needed again only while some reduce has not finished.
    if (t.worker == worker && t.state != State::kWaiting) MarkWaiting(true, int(i), t);
  }
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
    if (maps_[i].state == State::kRunning) running[{true, int(i)}] = maps_[i].worker;
  }
  for (size_t i = 0; i < reduces_.size(); ++i) {
    if (reduces_[i].state == State::kRunning) running[{false, int(i)}] = reduces_[i].worker;
  }
  return running;
}

}  // namespace minimr::runtime
