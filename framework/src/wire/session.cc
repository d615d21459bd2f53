#include "framework/src/wire/session.h"

#include <algorithm>

#include "framework/src/wire/tls.h"

namespace minimr::wire {

namespace asio = boost::asio;
using asio::ip::tcp;

Session::Session(tcp::socket socket, Security security)
    : stream_(std::move(socket)),
      security_(std::move(security)),
      handshake_timer_(stream_.socket().get_executor()) {
  boost::system::error_code ec;
  auto endpoint = stream_.socket().remote_endpoint(ec);
  peer_ =
      ec ? "unknown peer" : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  stream_.socket().set_option(tcp::no_delay(true), ec);
}

void Session::Start(Role role, std::function<void()> on_ready, FrameHandler on_frame,
                    CloseHandler on_close) {
  role_ = role;
  on_ready_ = std::move(on_ready);
  on_frame_ = std::move(on_frame);
  on_close_ = std::move(on_close);
  my_nonce_ = NewNonce();
  handshake_timer_.expires_after(handshake_timeout_);
  handshake_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec && !self->ready_) {
      self->Fail("handshake: not done within " +
                 std::to_string(self->handshake_timeout_.count() / 1000.0).substr(0, 4) + " s");
    }
  });
  if (role == Role::kServer && security_.tls_server) {
    WaitForFirstBytes();
  } else if (role == Role::kClient && security_.tls_client) {
    stream_.UseTls(*security_.tls_client);
    TlsHandshake();
  } else {
    SendHello();
  }
}

std::string Session::HandshakeError(const boost::system::error_code& ec) const {
  if (Stream::PeerClosed(ec) || ec == asio::error::connection_reset) {
    return role_ == Role::kClient
               ? "handshake: connection closed by peer (does this side hold the cluster's key?)"
               : "handshake: connection closed by peer";
  }
  return "handshake: " + ec.message();
}

// A TLS server looks at the first bytes before it speaks: a TLS handshake goes on in TLS, a
// minimr hello in plain TCP is told that this cluster requires TLS.
void Session::WaitForFirstBytes() {
  stream_.socket().async_wait(
      tcp::socket::wait_read, [self = shared_from_this()](boost::system::error_code ec) {
        if (self->closed_) return;
        if (ec) return self->Fail(self->HandshakeError(ec));
        uint8_t first = 0;
        self->stream_.socket().non_blocking(true, ec);
        size_t n =
            self->stream_.socket().receive(asio::buffer(&first, 1), tcp::socket::message_peek, ec);
        if (ec == asio::error::would_block) return self->WaitForFirstBytes();
        if (ec || n == 0) return self->Fail(self->HandshakeError(ec ? ec : asio::error::eof));
        if (first == 0x16) {  // a TLS handshake record
          self->stream_.UseTls(*self->security_.tls_server);
          return self->TlsHandshake();
        }
        self->RefusePlainPeer();
      });
}

void Session::RefusePlainPeer() {
  stream_.AsyncRead(
      asio::buffer(their_hello_.data(), kHelloPrefixBytes),
      [self = shared_from_this()](boost::system::error_code ec, size_t) {
        if (ec) return self->Fail(self->HandshakeError(ec));
        std::string other = CheckHelloPrefix(self->their_hello_.data());
        if (!other.empty()) return self->Fail("handshake: the peer " + other);
        // Tell it why, then wait for it to hang up: closing first could reset the connection
        // before it has read the answer.
        self->my_hello_ = MakeHello(Nonce{}, kHelloTlsRequired);
        self->stream_.AsyncWrite(
            asio::buffer(self->my_hello_), [self](boost::system::error_code ec, size_t) {
              std::string reason =
                  "handshake: the peer speaks minimr without TLS, and this cluster requires "
                  "TLS (its connection file is out of date, or it is not this cluster's)";
              if (ec) return self->Fail(reason);
              self->stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
              auto sink = std::make_shared<std::array<uint8_t, 256>>();
              auto drain = std::make_shared<std::function<void()>>();
              *drain = [self, sink, drain, reason] {
                self->stream_.socket().async_read_some(
                    asio::buffer(*sink),
                    [self, sink, drain, reason](boost::system::error_code ec, size_t) {
                      if (ec || self->closed_) {
                        *drain = nullptr;
                        return self->Fail(reason);
                      }
                      (*drain)();
                    });
              };
              (*drain)();
            });
      });
}

void Session::TlsHandshake() {
  bool as_client = role_ == Role::kClient;
  stream_.tls_stream().async_handshake(
      as_client ? asio::ssl::stream_base::client : asio::ssl::stream_base::server,
      [self = shared_from_this(), as_client](boost::system::error_code ec) {
        if (self->closed_) return;
        if (ec) return self->Fail("handshake: " + DescribeTlsFailure(ec, as_client));
        self->SendHello();
      });
}

void Session::SendHello() {
  my_hello_ = MakeHello(my_nonce_);
  stream_.AsyncWrite(asio::buffer(my_hello_),
                     [self = shared_from_this()](boost::system::error_code ec, size_t) {
                       if (self->closed_) return;
                       if (ec) return self->Fail(self->HandshakeError(ec));
                       self->ReadHelloPrefix();
                     });
}

void Session::ReadHelloPrefix() {
  stream_.AsyncRead(asio::buffer(their_hello_.data(), kHelloPrefixBytes),
                    [self = shared_from_this()](boost::system::error_code ec, size_t) {
                      if (self->closed_) return;
                      if (ec) return self->Fail(self->HandshakeError(ec));
                      std::string other = CheckHelloPrefix(self->their_hello_.data());
                      if (!other.empty()) return self->Fail("handshake: the peer " + other);
                      self->ReadHelloRest();
                    });
}

void Session::ReadHelloRest() {
  stream_.AsyncRead(
      asio::buffer(their_hello_.data() + kHelloPrefixBytes, kHelloBytes - kHelloPrefixBytes),
      [self = shared_from_this()](boost::system::error_code ec, size_t) {
        if (self->closed_) return;
        if (ec) return self->Fail(self->HandshakeError(ec));
        uint8_t flags = 0;
        std::string error = ParseHelloRest(self->their_hello_.data() + kHelloPrefixBytes, &flags,
                                           &self->their_nonce_);
        if (!error.empty()) return self->Fail("handshake: the peer " + error);
        if (flags & kHelloTlsRequired) {
          return self->Fail(
              "handshake: the peer requires TLS, and this side connected without it (is the "
              "connection file current?)");
        }
        // A server proves its key only to a peer that has proved its own.
        if (self->role_ == Role::kServer) return self->ReadProof();
        self->SendProof();
      });
}

void Session::SendProof() {
  my_proof_ = role_ == Role::kServer ? ServerProof(security_.key, their_nonce_, my_nonce_)
                                     : ClientProof(security_.key, their_nonce_, my_nonce_);
  stream_.AsyncWrite(asio::buffer(my_proof_),
                     [self = shared_from_this()](boost::system::error_code ec, size_t) {
                       if (self->closed_) return;
                       if (ec) return self->Fail(self->HandshakeError(ec));
                       if (self->role_ == Role::kServer) return self->Ready();
                       self->ReadProof();
                     });
}

void Session::ReadProof() {
  stream_.AsyncRead(asio::buffer(their_proof_), [self = shared_from_this()](
                                                    boost::system::error_code ec, size_t) {
    if (self->closed_) return;
    if (ec) return self->Fail(self->HandshakeError(ec));
    const Key& key = self->security_.key;
    bool server = self->role_ == Role::kServer;
    Proof expected = server ? ClientProof(key, self->my_nonce_, self->their_nonce_)
                            : ServerProof(key, self->my_nonce_, self->their_nonce_);
    if (!ProofsEqual(self->their_proof_, expected)) {
      return self->Fail("handshake: the peer does not hold this cluster's key");
    }
    if (server) return self->SendProof();
    self->Ready();
  });
}

void Session::Ready() {
  bool server = role_ == Role::kServer;
  FrameKeys keys = DeriveFrameKeys(security_.key, server ? their_nonce_ : my_nonce_,
                                   server ? my_nonce_ : their_nonce_);
  send_mac_ = std::make_unique<FrameMac>(server ? keys.server_to_client : keys.client_to_server);
  receive_mac_ = std::make_unique<FrameMac>(server ? keys.client_to_server : keys.server_to_client);
  ready_ = true;
  handshake_timer_.cancel();
  until_ready_.reset();
  if (on_ready_) on_ready_();
  if (closed_) return;
  ReadFrames();
  WriteNext();
}

void Session::ReadFrames() {
  const size_t have = in_end_ - in_begin_;
  size_t frame = kFrameHeaderBytes;  // the size of the frame under way, once its header is in
  if (have >= kFrameHeaderBytes) {
    frame += DecodeFrameLength(in_.data() + in_begin_) + kFrameMacBytes;  // checked by TakeFrames
  }
  const size_t want = std::max(frame - have, kReadChunk);
  if (in_.size() - in_end_ < want) {
    std::copy(in_.begin() + static_cast<std::ptrdiff_t>(in_begin_),
              in_.begin() + static_cast<std::ptrdiff_t>(in_end_), in_.begin());
    in_begin_ = 0;
    in_end_ = have;
    if (in_.size() < have + want) in_.resize(have + want);
  }
  stream_.AsyncReadSome(
      asio::buffer(in_.data() + in_end_, want),
      [self = shared_from_this()](boost::system::error_code ec, size_t n) {
        if (self->closed_) return;
        if (ec) {
          const bool in_frame = self->in_end_ - self->in_begin_ >= kFrameHeaderBytes;
          return self->Fail(!Stream::PeerClosed(ec) ? ec.message()
                            : in_frame             ? "connection closed by peer in a frame"
                                                   : "connection closed by peer");
        }
        self->in_end_ += n;
        self->TakeFrames();
        if (!self->closed_) self->ReadFrames();
      });
}

void Session::TakeFrames() {
  while (!closed_ && in_end_ - in_begin_ >= kFrameHeaderBytes) {
    const char* at = in_.data() + in_begin_;
    const uint32_t length = DecodeFrameLength(at);
    if (length == 0 || length > max_frame_bytes_) {
      return Fail("malformed frame: length " + std::to_string(length));
    }
    const size_t size = kFrameHeaderBytes + length + kFrameMacBytes;
    if (in_end_ - in_begin_ < size) return;
    const std::string_view frame(at, size);
    const uint64_t number = receive_mac_->frames();
    if (!receive_mac_->CheckNext({frame.substr(0, size - kFrameMacBytes)},
                                 reinterpret_cast<const uint8_t*>(at) + size - kFrameMacBytes)) {
      return Fail("frame " + std::to_string(number) +
                  " failed its MAC check: it was changed, replayed, reordered or made without "
                  "this connection's key");
    }
    in_begin_ += size;
    if (in_begin_ == in_end_) in_begin_ = in_end_ = 0;
    auto type = static_cast<MessageType>(frame[kFrameHeaderBytes]);
    try {
      on_frame_(type, frame.substr(kFrameHeaderBytes + 1, length - 1));
    } catch (const std::exception& e) {
      return Fail(e.what());
    }
  }
}

void Session::Send(MessageType type, std::string body) {
  if (closed_) return;
  std::string frame = FrameStart(type, body.size());
  frame.append(body);
  QueueFrame(std::move(frame));
}

void Session::SendFilled(MessageType type, size_t body_bytes,
                         const std::function<void(char*)>& fill) {
  if (closed_) return;
  std::string frame = FrameStart(type, body_bytes);
  const size_t body = frame.size();
  frame.resize(body + body_bytes);
  try {
    fill(frame.data() + body);
  } catch (...) {
    KeepBuffer(&frame);
    throw;
  }
  QueueFrame(std::move(frame));
}

std::string Session::FrameStart(MessageType type, size_t body_bytes) {
  const size_t bytes = kFrameHeaderBytes + 1 + body_bytes + kFrameMacBytes;
  std::string frame;
  if (bytes >= kSpareMinBytes && spare_.capacity() >= bytes) {
    frame.swap(spare_);
    frame.clear();
  }
  frame.reserve(bytes);
  frame.resize(kFrameHeaderBytes);
  frame.push_back(static_cast<char>(type));
  return frame;
}

void Session::QueueFrame(std::string frame) {
  auto header = EncodeFrameLength(static_cast<uint32_t>(frame.size() - kFrameHeaderBytes));
  std::copy(header.begin(), header.end(), frame.begin());
  frame.append(kFrameMacBytes, '\0');  // filled in when the frame is written, in order
  outbox_.push_back(std::move(frame));
  if (ready_) ScheduleWrite();
}

void Session::ScheduleWrite() {
  if (writing_ || write_scheduled_) return;
  write_scheduled_ = true;
  asio::post(stream_.socket().get_executor(), [self = shared_from_this()] {
    self->write_scheduled_ = false;
    self->WriteNext();
  });
}

void Session::WriteNext() {
  if (writing_ || closed_) return;
  if (outbox_.empty()) {
    if (when_sent_) {
      auto fn = std::move(when_sent_);
      when_sent_ = nullptr;
      fn();
      if (!outbox_.empty() || closed_) return;
    }
    spare_ = std::string();  // nothing more to send: no large buffer is kept while idle
    if (close_after_sending_) Close();
    return;
  }
  writing_ = true;
  // Every frame queued so far in one write (a fetch's last piece and its end, say): one system
  // call instead of one per frame.
  size_t count = std::min(outbox_.size(), kMaxFramesPerWrite);
  write_buffers_.clear();
  for (size_t i = 0; i < count; ++i) {
    send_mac_->Seal(&outbox_[i]);
    write_buffers_.push_back(asio::buffer(outbox_[i]));
  }
  stream_.AsyncWrite(write_buffers_,
                     [self = shared_from_this(), count](boost::system::error_code ec, size_t) {
                       self->writing_ = false;
                       // The frames in flight stayed in outbox_ until now: drop them only here.
                       for (size_t i = 0; i < count; ++i) self->KeepBuffer(&self->outbox_[i]);
                       self->outbox_.erase(self->outbox_.begin(),
                                           self->outbox_.begin() + static_cast<long>(count));
                       if (self->closed_) return self->outbox_.clear();
                       if (ec) return self->Fail(ec.message());
                       self->WriteNext();
                     });
}

void Session::KeepBuffer(std::string* frame) {
  const size_t capacity = frame->capacity();
  if (capacity >= kSpareMinBytes && capacity <= kSpareMaxBytes && capacity > spare_.capacity()) {
    spare_.swap(*frame);
  }
}

void Session::WhenSent(std::function<void()> fn) {
  when_sent_ = std::move(fn);
  if (ready_ && !writing_ && outbox_.empty()) {
    asio::post(stream_.socket().get_executor(), [self = shared_from_this()] { self->WriteNext(); });
  }
}

void Session::CloseAfterSending() {
  close_after_sending_ = true;
  if (ready_) WriteNext();
}

void Session::Close() { Fail(""); }

void Session::Fail(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  handshake_timer_.cancel();
  stream_.Close();
  // A write in flight still reads its frame; its handler clears the rest.
  if (!writing_) outbox_.clear();
  until_ready_.reset();
  until_closed_.reset();
  if (on_close_) {
    auto on_close = std::move(on_close_);
    on_close(reason);
  }
}

}  // namespace minimr::wire
