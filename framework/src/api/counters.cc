#include "minimr/counters.h"

namespace minimr {

void Counters::Add(std::string_view name, int64_t delta) {
  auto it = values_.find(name);
  if (it == values_.end()) it = values_.emplace(std::string(name), 0).first;
  it->second += delta;
}

int64_t Counters::Get(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? 0 : it->second;
}

void Counters::Merge(const Counters& other) {
  for (const auto& [name, value] : other.values_) Add(name, value);
}

}  // namespace minimr
