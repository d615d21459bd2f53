#include "framework/src/runtime/worker_registry.h"

#include <algorithm>

namespace minimr::runtime {

int WorkerRegistry::Add(WorkerEntry entry, TimePoint now) {
  int id = next_id_++;
  entry.last_seen = now;
  workers_[id] = std::move(entry);
  empty_since_.reset();
  return id;
}

void WorkerRegistry::Heard(int id, TimePoint now) {
  if (auto* worker = Find(id)) worker->last_seen = now;
}

WorkerEntry* WorkerRegistry::Find(int id) {
  auto it = workers_.find(id);
  return it == workers_.end() ? nullptr : &it->second;
}

void WorkerRegistry::Remove(int id, TimePoint now) {
  if (workers_.erase(id) && workers_.empty()) empty_since_ = now;
}

std::vector<int> WorkerRegistry::Silent(TimePoint now) const {
  std::vector<std::pair<TimePoint, int>> silent;
  for (const auto& [id, worker] : workers_) {
    if (now - worker.last_seen > timeout_) silent.push_back({worker.last_seen, id});
  }
  std::sort(silent.begin(), silent.end());
  std::vector<int> ids;
  for (const auto& entry : silent) ids.push_back(entry.second);
  return ids;
}

std::optional<TimePoint> WorkerRegistry::EmptySince() const {
  return workers_.empty() ? empty_since_ : std::nullopt;
}

}  // namespace minimr::runtime
