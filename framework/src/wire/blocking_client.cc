#include "framework/src/wire/blocking_client.h"

#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "framework/src/wire/frame.h"
#include "framework/src/wire/frame_mac.h"
#include "framework/src/wire/stream.h"
#include "framework/src/wire/tls.h"

namespace minimr::wire {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct BlockingClient::Impl {
  asio::io_context io;
  Stream stream{io};
  Security security;
  std::string peer;
  std::chrono::milliseconds timeout;
  size_t max_frame_bytes = kMaxFrameBytes;
  std::optional<FrameMac> send_mac, receive_mac;
  // Bytes read ahead of the frame being read: small frames (a fetch's end, a short partition)
  // arrive many to a read instead of two reads each. [at, end) is what came and was not read
  // yet; the buffer beyond it may be waiting for a read still under way.
  std::string read_ahead;
  size_t read_ahead_at = 0, read_ahead_end = 0;

  // Starts an asynchronous operation with `start(handler)` and runs the io_context until it
  // completes, the deadline passes, or on_wait throws. Throws std::runtime_error on error or
  // time-out, saying `what` was under way.
  template <class Start>
  void Wait(const char* what, Start start, const std::function<void()>& on_wait = nullptr) {
    bool done = false;
    boost::system::error_code result = Run(what, start, on_wait, &done);
    if (result) {
      throw std::runtime_error(
          peer + ": " + what + ": " +
          (Stream::PeerClosed(result) ? "connection closed by peer" : result.message()));
    }
  }

  // As Wait, but returns the operation's error instead of throwing it (time-outs still throw).
  template <class Start>
  boost::system::error_code Run(const char* what, Start start, const std::function<void()>& on_wait,
                                bool* done_out) {
    bool& done = *done_out;
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
    return result;
  }

  // Closes the socket and lets the pending handler run (it refers to Wait's locals).
  void Abandon(bool& done) {
    stream.Close();
    io.restart();
    while (!done && io.run_one() > 0) {
    }
  }

  void Handshake(const std::function<void()>& on_wait);
  // Fills `into` from the read-ahead buffer and the connection, within the deadline of each wait.
  void ReadExactly(char* into, size_t size, const char* what, const std::function<void()>& on_wait);
};

void BlockingClient::Impl::ReadExactly(char* into, size_t size, const char* what,
                                       const std::function<void()>& on_wait) {
  constexpr size_t kReadAhead = 64u << 10;
  for (;;) {
    size_t buffered = read_ahead_end - read_ahead_at;
    size_t take = std::min(buffered, size);
    std::memcpy(into, read_ahead.data() + read_ahead_at, take);
    read_ahead_at += take;
    into += take;
    size -= take;
    if (size == 0) return;
    if (size >= kReadAhead) {  // a large piece lands where it stays
      Wait(what, [&](auto handler) { stream.AsyncRead(asio::buffer(into, size), handler); },
           on_wait);
      return;
    }
    read_ahead.resize(kReadAhead);
    read_ahead_at = read_ahead_end = 0;
    // What came counts from the read's completion, which may run inside on_wait (a Send there
    // runs the io_context): BytesWaiting must see it then.
    Wait(
        what,
        [&](auto handler) {
          stream.AsyncReadSome(
              asio::buffer(read_ahead),
              [handler, this](const boost::system::error_code& ec, size_t n) mutable {
                read_ahead_end = n;
                handler(ec);
              });
        },
        on_wait);
  }
}

void BlockingClient::Impl::Handshake(const std::function<void()>& on_wait) {
  if (security.tls_client) {
    stream.UseTls(*security.tls_client);
    bool done = false;
    boost::system::error_code ec = Run(
        "in the TLS handshake",
        [&](auto handler) {
          stream.tls_stream().async_handshake(asio::ssl::stream_base::client, handler);
        },
        on_wait, &done);
    if (ec) throw std::runtime_error(DescribeTlsFailure(ec, /*as_client=*/true));
  }
  Nonce my_nonce = NewNonce(), their_nonce;
  Hello my_hello = MakeHello(my_nonce), their_hello;
  Wait("sending the handshake",
       [&](auto handler) { stream.AsyncWrite(asio::buffer(my_hello), handler); }, on_wait);
  Wait(
      "waiting for the handshake",
      [&](auto handler) {
        stream.AsyncRead(asio::buffer(their_hello.data(), kHelloPrefixBytes), handler);
      },
      on_wait);
  if (std::string other = CheckHelloPrefix(their_hello.data()); !other.empty()) {
    throw std::runtime_error("the peer " + other);
  }
  Wait(
      "waiting for the handshake",
      [&](auto handler) {
        stream.AsyncRead(
            asio::buffer(their_hello.data() + kHelloPrefixBytes, kHelloBytes - kHelloPrefixBytes),
            handler);
      },
      on_wait);
  uint8_t flags = 0;
  if (std::string error =
          ParseHelloRest(their_hello.data() + kHelloPrefixBytes, &flags, &their_nonce);
      !error.empty()) {
    throw std::runtime_error("the peer " + error);
  }
  if (flags & kHelloTlsRequired) {
    throw std::runtime_error(
        "the peer requires TLS, and this side connected without it (is the connection file "
        "current?)");
  }
  Proof my_proof = ClientProof(security.key, their_nonce, my_nonce), their_proof;
  Wait("sending the handshake's proof",
       [&](auto handler) { stream.AsyncWrite(asio::buffer(my_proof), handler); }, on_wait);
  Wait("waiting for the handshake's proof (does this side hold the cluster's key?)",
       [&](auto handler) { stream.AsyncRead(asio::buffer(their_proof), handler); }, on_wait);
  if (!ProofsEqual(their_proof, ServerProof(security.key, my_nonce, their_nonce))) {
    throw std::runtime_error("the server does not hold this cluster's key");
  }
  FrameKeys keys = DeriveFrameKeys(security.key, my_nonce, their_nonce);
  send_mac.emplace(keys.client_to_server);
  receive_mac.emplace(keys.server_to_client);
}

tcp::resolver::results_type ResolveWithin(const std::string& host, uint16_t port,
                                          std::chrono::milliseconds timeout) {
  boost::system::error_code ec;
  asio::ip::address address = asio::ip::make_address(host, ec);
  if (!ec) {
    return tcp::resolver::results_type::create(tcp::endpoint(address, port), host,
                                               std::to_string(port));
  }
  struct Lookup {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    boost::system::error_code ec;
    tcp::resolver::results_type results;
  };
  auto lookup = std::make_shared<Lookup>();
  std::thread([lookup, host, port] {
    asio::io_context io;
    tcp::resolver resolver(io);
    boost::system::error_code ec;
    auto results = resolver.resolve(host, std::to_string(port), ec);
    {
      std::lock_guard lock(lookup->mu);
      lookup->ec = ec;
      lookup->results = std::move(results);
      lookup->done = true;
    }
    lookup->cv.notify_all();
  }).detach();
  std::unique_lock lock(lookup->mu);
  if (!lookup->cv.wait_for(lock, timeout, [&] { return lookup->done; })) {
    throw std::runtime_error("no answer from the name service for " + host + " within " +
                             std::to_string(timeout.count() / 1000.0).substr(0, 4) + " s");
  }
  if (lookup->ec) throw std::runtime_error("cannot look up " + host + ": " + lookup->ec.message());
  return lookup->results;
}

BlockingClient::BlockingClient(const std::string& host, uint16_t port, const Security& security,
                               std::chrono::milliseconds timeout,
                               const std::function<void()>& on_wait)
    : impl_(std::make_unique<Impl>()) {
  impl_->peer = host + ":" + std::to_string(port);
  impl_->timeout = timeout;
  impl_->security = security;
  std::exception_ptr from_on_wait;  // passed on as it is, not as a failure to connect
  std::function<void()> checked;
  if (on_wait) {
    checked = [&] {
      try {
        on_wait();
      } catch (...) {
        from_on_wait = std::current_exception();
        throw;
      }
    };
  }
  try {
    tcp::resolver::results_type endpoints = ResolveWithin(host, port, timeout);
    impl_->Wait(
        "connecting",
        [&](auto handler) {
          asio::async_connect(impl_->stream.socket(), endpoints,
                              [handler](const boost::system::error_code& ec,
                                        const tcp::endpoint&) mutable { handler(ec); });
        },
        checked);
    impl_->stream.socket().set_option(tcp::no_delay(true));
    impl_->Handshake(checked);
  } catch (const std::exception& e) {
    if (from_on_wait) std::rethrow_exception(from_on_wait);
    throw std::runtime_error("connecting to " + impl_->peer + ": " + e.what());
  }
}

void BlockingClient::SetMaxFrameBytes(size_t bytes) { impl_->max_frame_bytes = bytes; }

BlockingClient::~BlockingClient() = default;

void BlockingClient::Send(MessageType type, const std::string& body) {
  auto header = EncodeFrameLength(static_cast<uint32_t>(body.size() + 1));
  char type_byte = static_cast<char>(type);
  std::string_view header_and_type[] = {
      std::string_view(reinterpret_cast<const char*>(header.data()), header.size()),
      std::string_view(&type_byte, 1)};
  FrameMac::Tag tag = impl_->send_mac->Next({header_and_type[0], header_and_type[1], body});
  std::array<asio::const_buffer, 4> buffers = {asio::buffer(header), asio::buffer(&type_byte, 1),
                                               asio::buffer(body), asio::buffer(tag)};
  impl_->Wait("sending", [&](auto handler) { impl_->stream.AsyncWrite(buffers, handler); });
}

bool BlockingClient::BytesWaiting() {
  char byte;
  return impl_->read_ahead_at < impl_->read_ahead_end ||
         ::recv(impl_->stream.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

void BlockingClient::Receive(MessageType* type, std::string* body,
                             const std::function<void()>& on_wait) {
  std::array<uint8_t, kFrameHeaderBytes> header;
  impl_->ReadExactly(reinterpret_cast<char*>(header.data()), header.size(), "waiting for a message",
                     on_wait);
  uint32_t length = DecodeFrameLength(header);
  if (length == 0 || length > impl_->max_frame_bytes) {
    throw std::runtime_error(impl_->peer + ": malformed frame of length " + std::to_string(length));
  }
  // The type byte apart, so that the body lands where it stays (no copy of a 1 MiB piece).
  char type_byte = 0;
  body->resize(length - 1 + kFrameMacBytes);
  impl_->ReadExactly(&type_byte, 1, "receiving a message", on_wait);
  impl_->ReadExactly(body->data(), body->size(), "receiving a message", on_wait);
  uint64_t number = impl_->receive_mac->frames();
  std::string_view data(*body);
  if (!impl_->receive_mac->CheckNext(
          {std::string_view(reinterpret_cast<const char*>(header.data()), header.size()),
           std::string_view(&type_byte, 1), data.substr(0, length - 1)},
          reinterpret_cast<const uint8_t*>(data.data()) + length - 1)) {
    impl_->stream.Close();
    throw std::runtime_error(impl_->peer + ": frame " + std::to_string(number) +
                             " failed its MAC check: it was changed, replayed, reordered or made "
                             "without this connection's key; the connection is closed");
  }
  *type = static_cast<MessageType>(type_byte);
  body->resize(length - 1);
}

}  // namespace minimr::wire
