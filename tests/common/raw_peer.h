// A minimr client written out by hand over a plain TCP socket, for tests that must send what a
// real client never would: garbage, half a frame, a frame with a bad MAC, a replayed handshake.
// Blocking, with a 20 s limit on every read so that a test fails instead of hanging.
#pragma once

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>

#include <optional>
#include <string>

#include "framework/src/wire/asio.h"
#include "framework/src/wire/frame.h"
#include "framework/src/wire/frame_mac.h"
#include "framework/src/wire/handshake.h"
#include "framework/src/wire/messages.h"

namespace minimr::testing {

class RawPeer {
 public:
  RawPeer(const std::string& host, uint16_t port) : socket_(io_) {
    socket_.connect({boost::asio::ip::make_address(host), port});
  }

  // Writes bytes as they are; false if the peer has gone.
  bool Write(const std::string& bytes) {
    sent_ += bytes;
    boost::system::error_code ec;
    boost::asio::write(socket_, boost::asio::buffer(bytes), ec);
    return !ec;
  }
  // Reads exactly `n` bytes; false at the end of the stream, on an error, or after 20 s.
  bool Read(std::string* bytes, size_t n) {
    bytes->resize(n);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (size_t got = 0; got < n;) {
      ssize_t r = ReadSome(bytes->data() + got, n - got, deadline);
      if (r <= 0) return false;
      got += static_cast<size_t>(r);
    }
    return true;
  }
  // Reads and drops whatever comes until the peer closes the connection: true if it did
  // within 20 s, false if it is still open (or sends for ever).
  bool WaitForClose() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    char buf[4096];
    for (;;) {
      ssize_t r = ReadSome(buf, sizeof buf, deadline);
      if (r == 0) return true;
      if (r < 0) return false;
    }
  }
  // Ends this side's sending (the peer reads the end of the stream); reading goes on.
  void ShutdownSend() {
    boost::system::error_code ignored;
    socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  }
  void Close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  // The client's side of the handshake with `key`. False if the server hung up on it.
  bool Handshake(const wire::Key& key) {
    wire::Nonce mine = wire::NewNonce(), theirs{};
    wire::Hello hello = wire::MakeHello(mine);
    if (!Write(std::string(hello.begin(), hello.end()))) return false;
    std::string server_hello, proof;
    if (!Read(&server_hello, wire::kHelloBytes)) return false;
    uint8_t flags = 0;
    if (!wire::CheckHelloPrefix(reinterpret_cast<const uint8_t*>(server_hello.data())).empty() ||
        !wire::ParseHelloRest(
             reinterpret_cast<const uint8_t*>(server_hello.data()) + wire::kHelloPrefixBytes,
             &flags, &theirs)
             .empty()) {
      return false;
    }
    wire::Proof client_proof = wire::ClientProof(key, theirs, mine);
    if (!Write(std::string(client_proof.begin(), client_proof.end()))) return false;
    if (!Read(&proof, wire::kProofBytes)) return false;
    wire::FrameKeys keys = wire::DeriveFrameKeys(key, mine, theirs);
    send_mac_.emplace(keys.client_to_server);
    receive_mac_.emplace(keys.server_to_client);
    return true;
  }

  // A frame: header, type, body and its MAC, as the next frame of this connection.
  std::string Seal(wire::MessageType type, const std::string& body) {
    std::string frame = Unsealed(type, body);
    send_mac_->Seal(&frame);
    return frame;
  }
  // The same without a MAC (zeros in its place). Counts nothing.
  static std::string Unsealed(wire::MessageType type, const std::string& body) {
    auto header = wire::EncodeFrameLength(static_cast<uint32_t>(body.size() + 1));
    std::string frame(header.begin(), header.end());
    frame.push_back(static_cast<char>(type));
    frame += body;
    frame.append(wire::kFrameMacBytes, '\0');
    return frame;
  }
  // Reads a frame and checks its MAC; nullopt if the connection ended or the MAC is wrong.
  std::optional<std::pair<wire::MessageType, std::string>> ReadFrame() {
    std::string header, rest;
    if (!Read(&header, wire::kFrameHeaderBytes)) return std::nullopt;
    std::array<uint8_t, wire::kFrameHeaderBytes> h;
    std::copy(header.begin(), header.end(), h.begin());
    uint32_t length = wire::DecodeFrameLength(h);
    if (length == 0 || length > wire::kMaxFrameBytes) return std::nullopt;
    if (!Read(&rest, length + wire::kFrameMacBytes)) return std::nullopt;
    if (!receive_mac_->Open(h, rest)) return std::nullopt;
    return std::make_pair(static_cast<wire::MessageType>(rest[0]), rest.substr(1, length - 1));
  }

  // Every byte written so far, for a replay.
  const std::string& sent() const { return sent_; }

 private:
  // Up to `n` bytes as they come: their count, 0 once the peer has closed (or reset) the
  // connection, -1 on another error or at the deadline. (Asio's own reads wait for ever.)
  ssize_t ReadSome(char* buf, size_t n, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return -1;
      pollfd ready{socket_.native_handle(), POLLIN, 0};
      int polled = ::poll(&ready, 1, static_cast<int>(left.count()));
      if (polled < 0 && errno == EINTR) continue;
      if (polled <= 0) return -1;
      ssize_t r = ::recv(socket_.native_handle(), buf, n, 0);
      if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (r < 0) return errno == ECONNRESET ? 0 : -1;
      return r;
    }
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::string sent_;
  std::optional<wire::FrameMac> send_mac_, receive_mac_;
};

}  // namespace minimr::testing
