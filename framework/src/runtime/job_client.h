// Submitting a job to a master and following it to the end.
#pragma once

#include <functional>
#include <string>

#include "framework/src/wire/messages.h"
#include "framework/src/wire/security.h"

namespace minimr::runtime {

// Sends `job` to the master at host:port and blocks until it ends, calling on_progress with each
// status the master sends (several times a second), and `check` after each and about every 200 ms
// while it waits; either may throw to give up waiting (the job goes on without its client), but a
// throw from `check` gives way to a message that came meanwhile: that is read first (a master that
// stops after its job sends the result, then goes). `cancel`, if
// given, is asked as often: once it returns a reason ("SIGINT"), the master is asked to cancel the
// job, and the result it sends is returned (cancelled, or ok if the job had already finished).
// Returns the final status: ok, or the error. Throws std::runtime_error if the master cannot be
// reached, goes away, or is silent for 30 s.
wire::JobStatus SubmitJob(const std::string& host, uint16_t port, const wire::Security& security,
                          const wire::JobSubmission& job,
                          const std::function<void(const wire::JobStatus&)>& on_progress,
                          const std::function<void()>& check,
                          const std::function<std::string()>& cancel = nullptr);

}  // namespace minimr::runtime
