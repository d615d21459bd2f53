#include "framework/src/runtime/job_client.h"

#include "framework/src/wire/archive.h"
#include "framework/src/wire/blocking_client.h"

namespace minimr::runtime {

wire::JobStatus SubmitJob(const std::string& host, uint16_t port, const wire::Key& key,
                          const wire::JobSubmission& job,
                          const std::function<void(const wire::JobStatus&)>& on_progress) {
  wire::BlockingClient client(host, port, key);
  client.Send(wire::MessageType::kSubmitJob, wire::Encode(job));
  for (;;) {
    wire::MessageType type;
    std::string body;
    try {
      client.Receive(&type, &body);
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("lost the master while the job ran: ") + e.what());
    }
    wire::JobStatus status;
    wire::Decode(body, status);
    if (type == wire::MessageType::kJobResult) return status;
    if (type != wire::MessageType::kJobProgress) {
      throw std::runtime_error("unexpected message from the master");
    }
    if (on_progress) on_progress(status);
  }
}

}  // namespace minimr::runtime
