// A client connection with blocking calls, for code that runs on its own thread (a reduce task
// fetching map output, a client following its job). Does the same TLS, handshake and
// authenticated framing as Session. Every wait has a deadline: no call blocks for longer than
// the client's timeout without something arriving from the peer.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "framework/src/wire/asio.h"
#include "framework/src/wire/messages.h"
#include "framework/src/wire/security.h"

namespace minimr::wire {

class BlockingClient {
 public:
  // Connects to host:port and runs the handshake (in TLS if `security` has a TLS client
  // context), each step within `timeout`. Throws std::runtime_error naming the peer. While it
  // waits it calls `on_wait` as Receive does; an exception from on_wait propagates as it is.
  BlockingClient(const std::string& host, uint16_t port, const Security& security,
                 std::chrono::milliseconds timeout = std::chrono::seconds(10),
                 const std::function<void()>& on_wait = nullptr);
  ~BlockingClient();

  // The largest frame Receive accepts (kMaxFrameBytes unless set); a longer one throws.
  void SetMaxFrameBytes(size_t bytes);

  // Sends one frame within the timeout. Throws std::runtime_error if it cannot.
  void Send(MessageType type, const std::string& body);
  // Reads one frame into *type and *body. Throws std::runtime_error if the connection ends, a
  // frame fails its MAC, or nothing arrives for the timeout. While it waits it calls `on_wait`
  // about every 200 ms; an exception from on_wait abandons the connection and propagates.
  void Receive(MessageType* type, std::string* body,
               const std::function<void()>& on_wait = nullptr);
  // Whether bytes have come from the peer that no Receive has taken yet (an end of the
  // connection is not bytes).
  bool BytesWaiting();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Looks host:port up as getaddrinfo does, but gives up after `timeout`: a lookup that hangs is
// left to finish on a thread of its own. Throws std::runtime_error naming the host.
boost::asio::ip::tcp::resolver::results_type ResolveWithin(const std::string& host, uint16_t port,
                                                           std::chrono::milliseconds timeout);

}  // namespace minimr::wire
