// A client connection with blocking calls, for code that runs on its own thread (a reduce task
// fetching map output). Does the same handshake and framing as Session.
#pragma once

#include <memory>
#include <string>

#include "framework/src/wire/handshake.h"
#include "framework/src/wire/messages.h"

namespace minimr::wire {

class BlockingClient {
 public:
  // Connects to host:port and runs the handshake. Throws std::runtime_error naming the peer.
  BlockingClient(const std::string& host, uint16_t port, const Key& key);
  ~BlockingClient();

  void Send(MessageType type, const std::string& body);
  // Reads one frame into *type and *body. Throws std::runtime_error if the connection ends.
  void Receive(MessageType* type, std::string* body);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace minimr::wire
