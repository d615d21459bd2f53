#include "framework/src/wire/session.h"

#include <algorithm>
#include <chrono>

namespace minimr::wire {

namespace asio = boost::asio;
using asio::ip::tcp;

Session::Session(tcp::socket socket, const Key& key)
    : socket_(std::move(socket)), handshake_timer_(socket_.get_executor()), key_(key) {
  boost::system::error_code ec;
  auto endpoint = socket_.remote_endpoint(ec);
  peer_ = ec ? "unknown peer" : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  socket_.set_option(tcp::no_delay(true), ec);
}

void Session::Start(Role role, std::function<void()> on_ready, FrameHandler on_frame,
                    CloseHandler on_close) {
  on_ready_ = std::move(on_ready);
  on_frame_ = std::move(on_frame);
  on_close_ = std::move(on_close);
  my_nonce_ = NewNonce();
  handshake_timer_.expires_after(std::chrono::seconds(10));
  handshake_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec && !self->ready_) self->Fail("handshake timed out");
  });
  if (role == Role::kServer) {
    SendServerHello();
  } else {
    ClientReadHello();
  }
}

void Session::SendServerHello() {
  auto hello = std::make_shared<ServerHello>(MakeServerHello(my_nonce_));
  asio::async_write(socket_, asio::buffer(*hello),
                    [self = shared_from_this(), hello](boost::system::error_code ec, size_t) {
                      if (ec) return self->Fail("handshake: " + ec.message());
                      self->ReadClientHello();
                    });
}

void Session::ReadClientHello() {
  asio::async_read(
      socket_, asio::buffer(hello_, kClientHelloBytes),
      [self = shared_from_this()](boost::system::error_code ec, size_t) {
        if (ec) return self->Fail("handshake: " + ec.message());
        std::string error =
            CheckClientHello(self->key_, self->my_nonce_, self->hello_.data(), &self->their_nonce_);
        if (!error.empty()) return self->Fail("handshake: " + error);
        auto reply = std::make_shared<Proof>(ServerProof(self->key_, self->their_nonce_,
                                                         self->my_nonce_));
        asio::async_write(self->socket_, asio::buffer(*reply),
                          [self, reply](boost::system::error_code ec, size_t) {
                            if (ec) return self->Fail("handshake: " + ec.message());
                            self->Ready();
                          });
      });
}

void Session::ClientReadHello() {
  asio::async_read(
      socket_, asio::buffer(hello_, kServerHelloBytes),
      [self = shared_from_this()](boost::system::error_code ec, size_t) {
        if (ec) return self->Fail("handshake: " + ec.message());
        if (!ParseServerHello(self->hello_.data(), &self->their_nonce_)) {
          return self->Fail("handshake: not a minimr peer");
        }
        auto hello = std::make_shared<ClientHello>(
            MakeClientHello(self->key_, self->their_nonce_, self->my_nonce_));
        asio::async_write(self->socket_, asio::buffer(*hello),
                          [self, hello](boost::system::error_code ec, size_t) {
                            if (ec) return self->Fail("handshake: " + ec.message());
                            self->ClientReadProof();
                          });
      });
}

void Session::ClientReadProof() {
  asio::async_read(socket_, asio::buffer(hello_, kServerProofBytes),
                   [self = shared_from_this()](boost::system::error_code ec, size_t) {
                     if (ec) {
                       return self->Fail("handshake: " + ec.message() +
                                         " (does this side hold the cluster's key?)");
                     }
                     Proof proof;
                     std::copy_n(self->hello_.begin(), kProofBytes, proof.begin());
                     if (!ProofsEqual(proof, ServerProof(self->key_, self->my_nonce_,
                                                         self->their_nonce_))) {
                       return self->Fail("handshake: the server does not hold this cluster's key");
                     }
                     self->Ready();
                   });
}

void Session::Ready() {
  ready_ = true;
  handshake_timer_.cancel();
  if (on_ready_) on_ready_();
  if (closed_) return;
  ReadHeader();
  WriteNext();
}

void Session::ReadHeader() {
  asio::async_read(socket_, asio::buffer(header_),
                   [self = shared_from_this()](boost::system::error_code ec, size_t) {
                     if (ec) {
                       return self->Fail(ec == asio::error::eof ? "connection closed by peer"
                                                                : ec.message());
                     }
                     uint32_t length = DecodeFrameLength(self->header_);
                     if (length == 0 || length > kMaxFrameBytes) {
                       return self->Fail("malformed frame: length " + std::to_string(length));
                     }
                     self->ReadBody(length);
                   });
}

void Session::ReadBody(uint32_t length) {
  body_.resize(length);
  asio::async_read(socket_, asio::buffer(body_),
                   [self = shared_from_this()](boost::system::error_code ec, size_t) {
                     if (ec) return self->Fail(ec.message());
                     auto type = static_cast<MessageType>(self->body_[0]);
                     try {
                       self->on_frame_(type, std::string_view(self->body_).substr(1));
                     } catch (const std::exception& e) {
                       return self->Fail(e.what());
                     }
                     if (!self->closed_) self->ReadHeader();
                   });
}

void Session::Send(MessageType type, std::string body) {
  if (closed_) return;
  std::string frame;
  frame.reserve(kFrameHeaderBytes + 1 + body.size());
  auto header = EncodeFrameLength(static_cast<uint32_t>(body.size() + 1));
  frame.append(reinterpret_cast<const char*>(header.data()), header.size());
  frame.push_back(static_cast<char>(type));
  frame.append(body);
  outbox_.push_back(std::move(frame));
  if (ready_) WriteNext();
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
    if (close_after_sending_) Close();
    return;
  }
  writing_ = true;
  asio::async_write(socket_, asio::buffer(outbox_.front()),
                    [self = shared_from_this()](boost::system::error_code ec, size_t) {
                      self->writing_ = false;
                      // The frame in flight stayed in outbox_ until now: drop it only here.
                      self->outbox_.pop_front();
                      if (self->closed_) return self->outbox_.clear();
                      if (ec) return self->Fail(ec.message());
                      self->WriteNext();
                    });
}

void Session::WhenSent(std::function<void()> fn) {
  when_sent_ = std::move(fn);
  if (ready_ && !writing_ && outbox_.empty()) {
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->WriteNext(); });
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
  boost::system::error_code ignored;
  handshake_timer_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  // A write in flight still reads its frame; its handler clears the rest.
  if (!writing_) outbox_.clear();
  if (on_close_) {
    auto on_close = std::move(on_close_);
    on_close(reason);
  }
}

}  // namespace minimr::wire
