// The accept loop of a server (the master, a worker's map-output server): accepts connections for
// as long as it is open, whatever accept says, and hands each one over as a Session.
//
// - An accept that fails for want of resources (EMFILE, ENFILE, ENOBUFS, ENOMEM, ...) is logged
//   once per burst; accepting resumes after a pause of 50 ms, growing to 200 ms while it lasts.
// - At most `max_handshaking` connections may be in their handshake: a new one beyond that cuts
//   the one that has waited longest, so that silent connections cannot lock out the cluster.
// - At most `max_per_address` connections from one address; more are closed at once.
// - A handshake not done within `handshake_timeout` is cut.
// Must be used on its io_context's thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "framework/src/wire/asio.h"
#include "framework/src/wire/security.h"
#include "framework/src/wire/session.h"

namespace minimr::wire {

struct ListenerLimits {
  size_t max_handshaking = 64;
  size_t max_per_address = 256;
  std::chrono::milliseconds handshake_timeout{5000};
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Called with each new connection, before its handshake: the callee Start()s it as a server.
  using OnSession = std::function<void(std::shared_ptr<Session>)>;
  // Where the listener says what happens to it (accept failures, connections it cuts).
  using Log = std::function<void(const std::string& line)>;

  // Binds and listens on `endpoint`. Throws std::runtime_error naming it if it cannot.
  Listener(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
           Security security, ListenerLimits limits, Log log);
  ~Listener();

  void Start(OnSession on_session);
  // Stops accepting and lets go of on_session; the connections already handed over are left
  // alone. REQUIRES: not called from on_session.
  void Close();
  uint16_t port() const { return port_; }

  // Logs `line` unless lines of this `kind` come too fast (more than 20 in 10 s): those are
  // counted, and the count logged with the next line of the kind after the 10 s.
  void Note(const std::string& kind, const std::string& line);

  // Connections now in their handshake, and open connections from `address` (for tests).
  size_t handshaking() const;
  size_t connections_from(const std::string& address) const;

 private:
  struct Counts;
  void Accept();
  void OnAccepted(boost::asio::ip::tcp::socket socket);
  void OnAcceptError(const boost::system::error_code& ec);

  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;
  Security security_;
  ListenerLimits limits_;
  Log log_;
  OnSession on_session_;
  uint16_t port_ = 0;
  std::shared_ptr<Counts> counts_;
  // The burst of accept failures under way, if any.
  uint64_t failed_accepts_ = 0;
  std::chrono::steady_clock::time_point failing_since_;
  std::chrono::milliseconds backoff_{0};
};

}  // namespace minimr::wire
