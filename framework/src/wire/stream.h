// A connection's byte stream: plain TCP, or TLS over the same socket once UseTls() has run.
// Reads and writes go to whichever it is. Owns the socket.
#pragma once

#include <optional>
#include <utility>

#include <boost/asio/ssl.hpp>
#include "framework/src/wire/asio.h"

namespace minimr::wire {

class Stream {
 public:
  using Tcp = boost::asio::ip::tcp;
  using Tls = boost::asio::ssl::stream<Tcp::socket>;

  explicit Stream(Tcp::socket socket) : socket_(std::move(socket)) {}
  // A stream whose socket is not open yet.
  explicit Stream(boost::asio::io_context& io) : socket_(io) {}

  // Wraps the socket in TLS. REQUIRES: nothing has been read or written yet; `context` outlives
  // this stream.
  void UseTls(boost::asio::ssl::context& context) { tls_.emplace(std::move(socket_), context); }
  bool tls() const { return tls_.has_value(); }
  // REQUIRES: tls().
  Tls& tls_stream() { return *tls_; }
  Tcp::socket& socket() { return tls_ ? tls_->next_layer() : socket_; }

  // Reads until `buffers` are full, or fails.
  template <class Buffers, class Handler>
  void AsyncRead(const Buffers& buffers, Handler&& handler) {
    if (tls_) {
      boost::asio::async_read(*tls_, buffers, std::forward<Handler>(handler));
    } else {
      boost::asio::async_read(socket_, buffers, std::forward<Handler>(handler));
    }
  }
  // Reads what is there, at least one byte, into `buffer`.
  template <class Buffer, class Handler>
  void AsyncReadSome(const Buffer& buffer, Handler&& handler) {
    if (tls_) {
      tls_->async_read_some(buffer, std::forward<Handler>(handler));
    } else {
      socket_.async_read_some(buffer, std::forward<Handler>(handler));
    }
  }
  // Writes all of `buffers`, or fails.
  template <class Buffers, class Handler>
  void AsyncWrite(const Buffers& buffers, Handler&& handler) {
    if (tls_) {
      boost::asio::async_write(*tls_, buffers, std::forward<Handler>(handler));
    } else {
      boost::asio::async_write(socket_, buffers, std::forward<Handler>(handler));
    }
  }
  // Whether `ec` says the peer hung up: TCP's end of stream, or a TLS peer that closed its socket
  // without TLS's own goodbye (minimr's messages say where they end, so nothing is lost).
  static bool PeerClosed(const boost::system::error_code& ec) {
    return ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated;
  }

  // Closes the socket; pending operations complete with operation_aborted.
  void Close() {
    boost::system::error_code ignored;
    socket().shutdown(Tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }

 private:
  Tcp::socket socket_;
  std::optional<Tls> tls_;
};

}  // namespace minimr::wire
