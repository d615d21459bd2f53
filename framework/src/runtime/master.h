// The master: accepts workers and clients on one TCP port, runs submitted jobs one after another,
// hands tasks to workers that ask for them, notices workers that die or fall silent and runs
// their work again, and commits each job's output.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "framework/src/wire/asio.h"
#include "framework/src/wire/handshake.h"

namespace minimr::runtime {

struct MasterOptions {
  std::string host = "127.0.0.1";  // address to listen on
  uint16_t port = 0;               // 0: any free port
  wire::Key key{};
  int heartbeat_ms = 1000;
  // A worker that sends nothing for this long is taken for dead.
  int worker_timeout_ms = 10000;
};

class Master {
 public:
  // Listens at once; throws std::runtime_error if the address cannot be bound.
  Master(boost::asio::io_context& io, MasterOptions options);
  ~Master();

  uint16_t port() const;
  // Tells every worker to exit, ends client connections, stops listening. The io_context then
  // runs out of work once the last connection has closed.
  void Stop();

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace minimr::runtime
