#include "framework/src/runtime/job_client.h"

#include <exception>

#include "framework/src/wire/archive.h"
#include "framework/src/wire/blocking_client.h"

namespace minimr::runtime {

namespace {
// The master sends progress several times a second; this much silence means it is stuck.
constexpr auto kMasterSilence = std::chrono::seconds(30);
}  // namespace

wire::JobStatus SubmitJob(const std::string& host, uint16_t port, const wire::Security& security,
                          const wire::JobSubmission& job,
                          const std::function<void(const wire::JobStatus&)>& on_progress,
                          const std::function<void()>& check,
                          const std::function<std::string()>& cancel) {
  wire::BlockingClient client(host, port, security, kMasterSilence);
  client.Send(wire::MessageType::kSubmitJob, wire::Encode(job));
  std::string cancelled;  // the reason, once the master has been asked to cancel
  // What `check` found while bytes from the master waited to be read: a master that stops after
  // its job sends the result and goes, and what it sent is read before the finding stands.
  std::exception_ptr found;
  auto run_check = [&] {
    if (!check) return;
    try {
      check();
    } catch (...) {
      if (!client.BytesWaiting()) throw;
      found = std::current_exception();
    }
  };
  // Asks the master to cancel the job, once, as soon as `cancel` says so: before anything that
  // may give up waiting (a second Ctrl-C), which must not leave the job running unasked.
  auto ask_to_cancel = [&] {
    if (!cancel || !cancelled.empty()) return;
    if (std::string reason = cancel(); !reason.empty()) {
      cancelled = reason;
      client.Send(wire::MessageType::kCancelJob, wire::Encode(wire::CancelJob{reason}));
    }
  };
  for (;;) {
    wire::MessageType type;
    std::string body;
    bool gave_up = false;  // `check` threw: pass that on as it is
    try {
      // (A Send while Receive waits: the read stays pending, and completes in either wait.)
      client.Receive(&type, &body, [&] {
        ask_to_cancel();
        gave_up = true;
        run_check();
        gave_up = false;
      });
    } catch (const std::exception& e) {
      if (gave_up) throw;
      if (found) std::rethrow_exception(found);
      throw std::runtime_error(std::string("lost the master while the job ran: ") + e.what());
    }
    found = nullptr;
    wire::JobStatus status;
    wire::Decode(body, status);
    if (type == wire::MessageType::kJobResult) return status;
    if (type != wire::MessageType::kJobProgress) {
      throw std::runtime_error("unexpected message from the master");
    }
    if (on_progress) on_progress(status);
    ask_to_cancel();
    run_check();
  }
}

}  // namespace minimr::runtime
