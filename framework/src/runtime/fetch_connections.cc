#include "framework/src/runtime/fetch_connections.h"

namespace minimr::runtime {

FetchConnections::FetchConnections(wire::Security security, std::chrono::milliseconds timeout)
    : security_(std::move(security)), timeout_(timeout) {}

std::unique_ptr<wire::BlockingClient> FetchConnections::Take(
    const std::string& host, uint16_t port, bool* reused, const std::function<void()>& on_wait) {
  if (reused) *reused = false;
  {
    std::lock_guard lock(mu_);
    auto it = idle_.find({host, port});
    if (it != idle_.end()) {
      std::unique_ptr<wire::BlockingClient> client = std::move(it->second);
      idle_.erase(it);
      if (reused) *reused = true;
      return client;
    }
    ++opened_;
  }
  return std::make_unique<wire::BlockingClient>(host, port, security_, timeout_, on_wait);
}

void FetchConnections::GiveBack(const std::string& host, uint16_t port,
                                std::unique_ptr<wire::BlockingClient> client) {
  std::lock_guard lock(mu_);
  idle_[{host, port}] = std::move(client);
}

void FetchConnections::Forget(const std::string& host, uint16_t port) {
  std::unique_ptr<wire::BlockingClient> dropped;
  std::lock_guard lock(mu_);
  auto it = idle_.find({host, port});
  if (it == idle_.end()) return;
  dropped = std::move(it->second);
  idle_.erase(it);
}

int64_t FetchConnections::opened() const {
  std::lock_guard lock(mu_);
  return opened_;
}

}  // namespace minimr::runtime
