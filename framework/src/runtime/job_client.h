// Submitting a job to a master and following it to the end.
#pragma once

#include <functional>
#include <string>

#include "framework/src/wire/handshake.h"
#include "framework/src/wire/messages.h"

namespace minimr::runtime {

// Sends `job` to the master at host:port and blocks until it ends, calling on_progress with each
// status the master sends (about twice a second; on_progress may throw to give up waiting).
// Returns the final status: ok, or the error. Throws std::runtime_error if the master cannot be
// reached or goes away.
wire::JobStatus SubmitJob(const std::string& host, uint16_t port, const wire::Key& key,
                          const wire::JobSubmission& job,
                          const std::function<void(const wire::JobStatus&)>& on_progress);

}  // namespace minimr::runtime
