// The connections a worker's reduce tasks fetch map output on: one authenticated connection per
// map-output server, kept open between fetches and between reduce tasks, so that a fetch costs a
// request and its answer rather than a TCP connect, a TLS handshake and minimr's handshake.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "framework/src/wire/blocking_client.h"
#include "framework/src/wire/security.h"

namespace minimr::runtime {

class FetchConnections {
 public:
  // Connections are made with `security` (TLS too if it says so); every call on them waits at
  // most `timeout` for the peer.
  FetchConnections(wire::Security security, std::chrono::milliseconds timeout);

  // An idle connection to host:port if there is one, else a new one (connect and handshake
  // within the timeout). The caller has it alone until it gives it back. Throws
  // std::runtime_error naming the server when a new one cannot be made. Sets *reused (if given)
  // to whether the connection was kept from before. While a new one is made, calls `on_wait` as
  // BlockingClient does (a killed task's check), whose exceptions propagate as they are.
  std::unique_ptr<wire::BlockingClient> Take(const std::string& host, uint16_t port,
                                             bool* reused = nullptr,
                                             const std::function<void()>& on_wait = nullptr);
  // Keeps `client` for the next Take of host:port. Only a connection whose every request has
  // been answered in full may come back: a connection that failed is dropped instead.
  void GiveBack(const std::string& host, uint16_t port,
                std::unique_ptr<wire::BlockingClient> client);
  // Drops the idle connection to host:port, if any (its server vanished).
  void Forget(const std::string& host, uint16_t port);

  // Connections made so far (each one handshake).
  int64_t opened() const;
  std::chrono::milliseconds timeout() const { return timeout_; }

 private:
  using Server = std::pair<std::string, uint16_t>;
  wire::Security security_;
  std::chrono::milliseconds timeout_;
  mutable std::mutex mu_;
  std::map<Server, std::unique_ptr<wire::BlockingClient>> idle_;
  int64_t opened_ = 0;
};

}  // namespace minimr::runtime
