// A worker's map-output server: reduce tasks connect once and send FetchRequests on the same
// connection for as long as they like, several ahead of the answers; the requests of one
// connection are answered one after the other, in order, each as FetchData pieces and a FetchEnd.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "framework/src/shuffle/map_output.h"
#include "framework/src/wire/listener.h"
#include "framework/src/wire/security.h"

namespace minimr::runtime {

// A finished map attempt's output, its file or its bytes in memory, and where each partition
// lies in it.
using StoredMapOutput = shuffle::RunFile;

// Requests one connection may have waiting behind the one being answered; more close it.
constexpr size_t kMaxQueuedFetches = 64;

class MapOutputServer {
 public:
  // The output of (job, map task, attempt), if this worker holds it. Called on the io thread.
  using Lookup = std::function<std::optional<StoredMapOutput>(uint64_t job, int map, int attempt)>;

  // Listens on `endpoint` (port 0: any). `hang` (fault injection): accept requests and never
  // answer them. Throws std::runtime_error if it cannot listen.
  MapOutputServer(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
                  const wire::Security& security, const wire::ListenerLimits& limits,
                  wire::Listener::Log log, Lookup lookup, bool hang = false);
  ~MapOutputServer();

  uint16_t port() const;
  // Stops accepting; connections already open stay until their peers close them.
  void Close();
  // Connections whose handshake succeeded so far (for tests).
  int64_t connections() const;

 private:
  class Connection;
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace minimr::runtime
