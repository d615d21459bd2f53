// One connection, asynchronous, on an io_context: TLS if the cluster uses it, the handshake, then
// authenticated frames in both directions. Owns its socket and buffers; kept alive by
// shared_from_this while operations are pending. Every method must be called on the io_context's
// thread.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "framework/src/wire/archive.h"
#include "framework/src/wire/asio.h"
#include "framework/src/wire/frame.h"
#include "framework/src/wire/frame_mac.h"
#include "framework/src/wire/handshake.h"
#include "framework/src/wire/messages.h"
#include "framework/src/wire/security.h"
#include "framework/src/wire/stream.h"

namespace minimr::wire {

class Session : public std::enable_shared_from_this<Session> {
 public:
  enum class Role { kServer, kClient };
  // Called for each frame. May throw (DecodeError or any std::exception): the session then closes.
  using FrameHandler = std::function<void(MessageType type, std::string_view body)>;
  // Called once when the connection ends, with the reason ("" for a Close() from this side).
  using CloseHandler = std::function<void(const std::string& reason)>;

  // A server session speaks TLS if `security` has a TLS server context, a client session if it
  // has a TLS client context.
  Session(boost::asio::ip::tcp::socket socket, Security security);

  // How long the handshake (TLS included) may take before the connection is cut; 10 s unless
  // set. REQUIRES: before Start().
  void SetHandshakeTimeout(std::chrono::milliseconds timeout) { handshake_timeout_ = timeout; }
  // The largest frame this side accepts (kMaxFrameBytes unless set); a longer one closes the
  // connection. May be called at any time, for the frames read after it.
  void SetMaxFrameBytes(size_t bytes) { max_frame_bytes_ = bytes; }
  // Keeps `token` until the handshake has ended (either way), or until the connection has
  // closed: how a listener counts its connections.
  void HoldUntilReady(std::shared_ptr<void> token) { until_ready_ = std::move(token); }
  void HoldUntilClosed(std::shared_ptr<void> token) { until_closed_ = std::move(token); }

  // Runs the handshake in `role`; then on_ready, then on_frame for every frame, then on_close.
  void Start(Role role, std::function<void()> on_ready, FrameHandler on_frame,
             CloseHandler on_close);

  // Queues a frame. Ignored once the session is closed.
  void Send(MessageType type, std::string body = {});
  // Queues a frame of `body_bytes` whose body `fill` writes in place (a piece of a file, read
  // straight into the frame). Its buffer is the last large frame's, once that one is written: a
  // stream of large frames (map output sent to a reduce, each sent once the last is written)
  // reuses one buffer rather than mapping and faulting in a new one for each; the buffer is let
  // go once nothing is left to send. If `fill` throws, nothing is queued. Once the session is
  // closed, `fill` is not called.
  void SendFilled(MessageType type, size_t body_bytes, const std::function<void(char*)>& fill);
  template <class T>
  void SendMessage(MessageType type, const T& message) {
    if (closed_) return;
    std::string frame = FrameStart(type, kSmallMessageBytes);
    EncodeAppend(message, &frame);  // in place: no copy of the body
    QueueFrame(std::move(frame));
  }
  // Calls `fn` once, when every frame queued so far has been written (for flow control).
  void WhenSent(std::function<void()> fn);
  // Closes the connection once the frames queued so far are sent.
  void CloseAfterSending();
  void Close();
  // Closes the connection now, and tells on_close `reason`.
  void Abort(const std::string& reason) { Fail(reason); }

  bool closed() const { return closed_; }
  bool ready() const { return ready_; }
  // "host:port" of the other side.
  const std::string& peer() const { return peer_; }

 private:
  void WaitForFirstBytes();
  void RefusePlainPeer();
  void TlsHandshake();
  void SendHello();
  void ReadHelloPrefix();
  void ReadHelloRest();
  void SendProof();
  void ReadProof();
  void Ready();
  // Reads what has arrived, at least the rest of the frame under way, into in_.
  void ReadFrames();
  // Delivers every whole frame in in_, in order; stops at the first that fails, or once closed.
  void TakeFrames();
  // Writes the queued frames once the handler that queued them has returned, so that frames
  // queued together (a report and the next request) go out in one write.
  void ScheduleWrite();
  void WriteNext();
  // The start of a frame: room for its header, and its type; its body is appended to it. Room
  // for `body_bytes` of body is reserved, in the kept buffer (spare_) if the frame is large and
  // it is large enough.
  std::string FrameStart(MessageType type, size_t body_bytes);
  // Keeps a written frame's buffer for the next large frame, if it is large and not too large.
  void KeepBuffer(std::string* frame);
  // Fills in the header of a frame made by FrameStart and its body, makes room for its MAC, and
  // queues it.
  void QueueFrame(std::string frame);
  void Fail(const std::string& reason);
  // "handshake: " and what `ec` says, for a handshake step that failed.
  std::string HandshakeError(const boost::system::error_code& ec) const;

  Stream stream_;
  Security security_;
  Role role_ = Role::kServer;
  boost::asio::steady_timer handshake_timer_;
  std::chrono::milliseconds handshake_timeout_{10000};
  size_t max_frame_bytes_ = kMaxFrameBytes;
  std::shared_ptr<void> until_ready_, until_closed_;
  Nonce my_nonce_{};
  Nonce their_nonce_{};
  Hello my_hello_{};
  Hello their_hello_{};
  Proof my_proof_{};
  Proof their_proof_{};
  std::unique_ptr<FrameMac> send_mac_, receive_mac_;
  std::string peer_;
  // Bytes read and not yet delivered are in_[in_begin_, in_end_): whole frames, then the start
  // of the next. A read asks for what has arrived, at least kReadChunk bytes, or for exactly the
  // rest of a frame longer than that (so a large frame is never followed into the buffer).
  static constexpr size_t kReadChunk = 1024;
  std::vector<char> in_;
  size_t in_begin_ = 0, in_end_ = 0;
  std::deque<std::string> outbox_;  // whole frames, their MAC filled in when written
  // A written frame's buffer, for the next large frame while frames keep coming; freed when the
  // outbox drains with nothing more to send.
  std::string spare_;
  static constexpr size_t kSpareMinBytes = 64u << 10;
  static constexpr size_t kSpareMaxBytes = kFetchPieceBytes + (64u << 10);
  static constexpr size_t kMaxFramesPerWrite = 64;
  // Most messages (a task, a report, a heartbeat) encode to fewer bytes: one allocation each.
  static constexpr size_t kSmallMessageBytes = 240;
  std::vector<boost::asio::const_buffer> write_buffers_;  // the frames of the write under way
  bool writing_ = false;
  bool write_scheduled_ = false;
  bool ready_ = false;
  bool closed_ = false;
  bool close_after_sending_ = false;
  std::function<void()> on_ready_;
  std::function<void()> when_sent_;
  FrameHandler on_frame_;
  CloseHandler on_close_;
};

}  // namespace minimr::wire
