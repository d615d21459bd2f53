// One connection, asynchronous, on an io_context: the handshake, then frames in both directions.
// Owns its socket and buffers; kept alive by shared_from_this while operations are pending.
// Every method must be called on the io_context's thread.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "framework/src/wire/archive.h"
#include "framework/src/wire/asio.h"
#include "framework/src/wire/frame.h"
#include "framework/src/wire/handshake.h"
#include "framework/src/wire/messages.h"

namespace minimr::wire {

class Session : public std::enable_shared_from_this<Session> {
 public:
  enum class Role { kServer, kClient };
  // Called for each frame. May throw (DecodeError or any std::exception): the session then closes.
  using FrameHandler = std::function<void(MessageType type, std::string_view body)>;
  // Called once when the connection ends, with the reason ("" for a Close() from this side).
  using CloseHandler = std::function<void(const std::string& reason)>;

  Session(boost::asio::ip::tcp::socket socket, const Key& key);

  // Runs the handshake in `role`; then on_ready, then on_frame for every frame, then on_close.
  // A handshake not done within 10 s fails.
  void Start(Role role, std::function<void()> on_ready, FrameHandler on_frame,
             CloseHandler on_close);

  // Queues a frame. Ignored once the session is closed.
  void Send(MessageType type, std::string body = {});
  template <class T>
  void SendMessage(MessageType type, const T& message) {
    Send(type, Encode(message));
  }
  // Calls `fn` once, when every frame queued so far has been written (for flow control).
  void WhenSent(std::function<void()> fn);
  // Closes the connection once the frames queued so far are sent.
  void CloseAfterSending();
  void Close();

  bool closed() const { return closed_; }
  // "host:port" of the other side.
  const std::string& peer() const { return peer_; }

 private:
  void SendServerHello();
  void ReadClientHello();
  void ClientReadHello();
  void ClientReadProof();
  void Ready();
  void ReadHeader();
  void ReadBody(uint32_t length);
  void WriteNext();
  void Fail(const std::string& reason);

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer handshake_timer_;
  Key key_;
  Nonce my_nonce_{};
  Nonce their_nonce_{};
  std::string peer_;
  std::array<uint8_t, kClientHelloBytes> hello_{};
  std::array<uint8_t, kFrameHeaderBytes> header_{};
  std::string body_;
  std::deque<std::string> outbox_;
  bool writing_ = false;
  bool ready_ = false;
  bool closed_ = false;
  bool close_after_sending_ = false;
  std::function<void()> on_ready_;
  std::function<void()> when_sent_;
  FrameHandler on_frame_;
  CloseHandler on_close_;
};

}  // namespace minimr::wire
