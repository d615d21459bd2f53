#include "framework/src/wire/blocking_client.h"

#include <algorithm>

#include "framework/src/wire/asio.h"
#include "framework/src/wire/frame.h"

namespace minimr::wire {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct BlockingClient::Impl {
  asio::io_context io;
  tcp::socket socket{io};
  std::string peer;
  std::chrono::milliseconds timeout;

  // Starts an asynchronous operation with `start(handler)` and runs the io_context until it
  // completes, the deadline passes, or on_wait throws. Throws std::runtime_error on error or
  // time-out, saying `what` was under way.
  template <class Start>
  void Wait(const char* what, Start start, const std::function<void()>& on_wait = nullptr) {
    bool done = false;
    boost::system::error_code result;
    start([&](const boost::system::error_code& ec, auto&&...) {
      done = true;
      result = ec;
    });
    auto deadline = Clock::now() + timeout;
    io.restart();
    while (!done) {
      auto now = Clock::now();
      if (now >= deadline) {
        Abandon(done);
        throw std::runtime_error(peer + ": nothing from the peer for " +
                                 std::to_string(timeout.count() / 1000.0).substr(0, 4) +
                                 " s while " + what);
      }
      io.run_for(std::min<Clock::duration>(deadline - now, std::chrono::milliseconds(200)));
      if (!done && on_wait) {
        try {
          on_wait();
        } catch (...) {
          Abandon(done);
          throw;
        }
      }
    }
    if (result) {
      throw std::runtime_error(peer + ": " + what + ": " +
                               (result == asio::error::eof ? "connection closed by peer"
                                                           : result.message()));
    }
  }

  // Closes the socket and lets the pending handler run (it refers to Wait's locals).
  void Abandon(bool& done) {
    boost::system::error_code ignored;
    socket.close(ignored);
    io.restart();
    while (!done && io.run_one() > 0) {
    }
  }
};

BlockingClient::BlockingClient(const std::string& host, uint16_t port, const Key& key,
                               std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->peer = host + ":" + std::to_string(port);
  impl_->timeout = timeout;
  try {
    tcp::resolver resolver(impl_->io);
    tcp::resolver::results_type endpoints;
    impl_->Wait("resolving the address", [&](auto handler) {
      resolver.async_resolve(host, std::to_string(port),
                             [&, handler](const boost::system::error_code& ec,
                                          tcp::resolver::results_type results) mutable {
                               endpoints = results;
                               handler(ec);
                             });
    });
    impl_->Wait("connecting", [&](auto handler) {
      asio::async_connect(impl_->socket, endpoints,
                          [handler](const boost::system::error_code& ec, const tcp::endpoint&) mutable {
                            handler(ec);
                          });
    });
    impl_->socket.set_option(tcp::no_delay(true));
    ServerHello server_hello;
    impl_->Wait("waiting for the handshake", [&](auto handler) {
      asio::async_read(impl_->socket, asio::buffer(server_hello), handler);
    });
    Nonce server_nonce, client_nonce = NewNonce();
    if (!ParseServerHello(server_hello.data(), &server_nonce)) {
      throw std::runtime_error("not a minimr peer");
    }
    ClientHello hello = MakeClientHello(key, server_nonce, client_nonce);
    impl_->Wait("sending the handshake", [&](auto handler) {
      asio::async_write(impl_->socket, asio::buffer(hello), handler);
    });
    Proof proof;
    impl_->Wait("waiting for the handshake's proof (does this side hold the cluster's key?)",
                [&](auto handler) { asio::async_read(impl_->socket, asio::buffer(proof), handler); });
    if (!ProofsEqual(proof, ServerProof(key, client_nonce, server_nonce))) {
      throw std::runtime_error("the server does not hold this cluster's key");
    }
  } catch (const std::exception& e) {
    throw std::runtime_error("connecting to " + impl_->peer + ": " + e.what());
  }
}

BlockingClient::~BlockingClient() = default;

void BlockingClient::Send(MessageType type, const std::string& body) {
  auto header = EncodeFrameLength(static_cast<uint32_t>(body.size() + 1));
  uint8_t type_byte = static_cast<uint8_t>(type);
  std::array<asio::const_buffer, 3> buffers = {asio::buffer(header), asio::buffer(&type_byte, 1),
                                               asio::buffer(body)};
  impl_->Wait("sending", [&](auto handler) { asio::async_write(impl_->socket, buffers, handler); });
}

void BlockingClient::Receive(MessageType* type, std::string* body,
                             const std::function<void()>& on_wait) {
  std::array<uint8_t, kFrameHeaderBytes> header;
  impl_->Wait(
      "waiting for a message",
      [&](auto handler) { asio::async_read(impl_->socket, asio::buffer(header), handler); },
      on_wait);
  uint32_t length = DecodeFrameLength(header);
  if (length == 0 || length > kMaxFrameBytes) {
    throw std::runtime_error(impl_->peer + ": malformed frame of length " + std::to_string(length));
  }
  body->resize(length);
  impl_->Wait(
      "receiving a message",
      [&](auto handler) { asio::async_read(impl_->socket, asio::buffer(*body), handler); },
      on_wait);
  *type = static_cast<MessageType>((*body)[0]);
  body->erase(0, 1);
}

}  // namespace minimr::wire
