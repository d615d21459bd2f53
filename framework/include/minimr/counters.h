// Named 64-bit counters a task adds to; the framework sums them over the successful attempt
// of every task and records the totals in the job's job.json.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace minimr {

class Counters {
 public:
  // Adds `delta` to the counter `name`, creating it at zero first.
  void Add(std::string_view name, int64_t delta);
  // Returns the counter's value, 0 if it was never added to.
  int64_t Get(std::string_view name) const;
  // Adds every counter of `other` into this one.
  void Merge(const Counters& other);

  const std::map<std::string, int64_t, std::less<>>& values() const { return values_; }
  std::map<std::string, int64_t, std::less<>>& mutable_values() { return values_; }

 private:
  std::map<std::string, int64_t, std::less<>> values_;
};

}  // namespace minimr
