// Time, behind a seam: the master's failure detector, speculation and job timings ask a Clock, so
// that tests can move time by hand instead of sleeping.
#pragma once

#include <atomic>
#include <chrono>

namespace minimr::runtime {

using TimePoint = std::chrono::steady_clock::time_point;
using Duration = std::chrono::steady_clock::duration;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

// The real, monotonic clock.
class SteadyClock : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
};

// A clock that moves only when told: for tests. Safe to advance from another thread.
class ManualClock : public Clock {
 public:
  TimePoint Now() const override { return TimePoint(Duration(ticks_.load())); }
  void Advance(Duration by) { ticks_ += by.count(); }

 private:
  std::atomic<Duration::rep> ticks_{0};
};

inline double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace minimr::runtime
