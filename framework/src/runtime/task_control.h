// What a worker hands to a running task attempt besides its spec: where to report progress, a
// flag that says the master killed the attempt (another attempt won, or it was preempted), and
// the fault plan.
#pragma once

#include <atomic>
#include <cstdint>
#include <stdexcept>

#include "framework/src/runtime/fault_injection.h"

namespace minimr::runtime {

// Thrown inside a task attempt that the master killed, or that its leaving worker abandons.
class TaskKilled : public std::runtime_error {
 public:
  TaskKilled() : std::runtime_error("killed by the master, or its worker is leaving") {}
};

struct TaskControl {
  std::atomic<uint64_t>* bytes_read = nullptr;  // input read so far, for progress
  const std::atomic<bool>* cancel = nullptr;
  FaultPlan* faults = nullptr;

  // Throws TaskKilled once the attempt has been killed. Cheap: call it every few records.
  void CheckCancel() const {
    if (cancel && cancel->load(std::memory_order_relaxed)) throw TaskKilled();
  }
};

}  // namespace minimr::runtime
