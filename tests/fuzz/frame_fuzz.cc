// Fuzz target: the frame decoder. A real wire::Session reads, as the master and the workers do,
// from one end of a socket pair whose other end is a genuine client: it runs the handshake, then
// sends the fuzz input as the bytes of its frames (frame.h: length | type | body | MAC). A frame
// whose MAC is all zero bytes gets its genuine MAC first, as the client's FrameMac makes it; any
// other MAC is sent as it is, a forgery (unless it happens to be the genuine one).
//   The session delivers exactly the genuine frames before the first forged one, in order, each
//   to a decoder of the message its type names (message_round_trip.h). It closes with
//   "malformed frame" exactly when it reaches a length of 0 or over kMaxFrameBytes, and with a
//   failed MAC check exactly when it reaches a forged frame.
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "framework/src/wire/asio.h"
#include "framework/src/wire/frame.h"
#include "framework/src/wire/frame_mac.h"
#include "framework/src/wire/handshake.h"
#include "framework/src/wire/session.h"
#include "tests/fuzz/finding.h"
#include "tests/fuzz/fixed_keys.h"
#include "tests/fuzz/message_round_trip.h"

namespace minimr::fuzz {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

struct Frame {
  uint8_t type;
  std::string body;
  bool operator==(const Frame&) const = default;
};

// The input as the client sends it, and what the session should make of it.
struct Stream {
  std::string bytes;          // the input with the genuine MACs filled in
  std::vector<Frame> frames;  // the genuine frames before the first bad one
  bool malformed = false;     // a length of 0 or over kMaxFrameBytes follows them
  bool forged = false;        // a frame with a MAC that does not check follows them
  uint32_t incomplete = 0;    // the length of an incomplete frame at the end
};

// Reads `input` by frame.h's layout, up to the first malformed length, forged MAC or incomplete
// frame, filling in the MACs that are all zero with `mac`.
Stream Seal(std::string_view input, wire::FrameMac& mac) {
  Stream stream;
  size_t at = 0;  // where the next frame starts
  while (input.size() - at >= wire::kFrameHeaderBytes) {
    const std::string_view header_bytes = input.substr(at, wire::kFrameHeaderBytes);
    std::array<uint8_t, wire::kFrameHeaderBytes> header;
    std::copy(header_bytes.begin(), header_bytes.end(), header.begin());
    const uint32_t length = wire::DecodeFrameLength(header);
    if (length == 0 || length > wire::kMaxFrameBytes) {
      stream.malformed = true;
      break;
    }
    const size_t rest = input.size() - at - wire::kFrameHeaderBytes;
    if (rest < length + wire::kFrameMacBytes) {
      stream.incomplete = length;
      break;
    }
    const std::string_view content = input.substr(at + wire::kFrameHeaderBytes, length);
    const std::string_view tag =
        input.substr(at + wire::kFrameHeaderBytes + length, wire::kFrameMacBytes);
    const wire::FrameMac::Tag genuine = mac.Next({header_bytes, content});
    if (std::all_of(tag.begin(), tag.end(), [](char c) { return c == 0; })) {
      stream.bytes.append(header_bytes).append(content);
      stream.bytes.append(genuine.begin(), genuine.end());
    } else if (std::equal(tag.begin(), tag.end(), genuine.begin())) {
      stream.bytes.append(header_bytes).append(content).append(tag);
    } else {
      stream.forged = true;
      break;
    }
    stream.frames.push_back({static_cast<uint8_t>(content[0]), std::string(content.substr(1))});
    at += wire::kFrameHeaderBytes + length + wire::kFrameMacBytes;
  }
  stream.bytes.append(input.substr(at));
  return stream;
}

// An incomplete last frame longer than this is not run: the session allocates the whole frame
// before reading it, up to kMaxFrameBytes, which slows fuzzing a hundredfold and behaves as for
// any other length.
constexpr uint32_t kMaxIncompleteFrame = 64 << 10;

// The client: its hello and proof, then the input, then end of file.
class Client {
 public:
  Client(tcp::socket socket, std::string_view input) : socket_(std::move(socket)), input_(input) {}

  const Stream& stream() const { return stream_; }

  void Start() {
    hello_ = wire::MakeHello(kFixedClientNonce);
    asio::async_write(socket_, asio::buffer(hello_), [](boost::system::error_code ec, size_t) {
      MINIMR_FUZZ_CHECK(!ec, "the session reads the client's hello");
    });
    asio::async_read(
        socket_, asio::buffer(server_hello_), [this](boost::system::error_code ec, size_t) {
          MINIMR_FUZZ_CHECK(!ec, "the session sends its hello");
          uint8_t flags = 0;
          MINIMR_FUZZ_CHECK(wire::CheckHelloPrefix(server_hello_.data()).empty() &&
                                wire::ParseHelloRest(server_hello_.data() + wire::kHelloPrefixBytes,
                                                     &flags, &server_nonce_)
                                    .empty(),
                            "the session's hello parses");
          proof_ = wire::ClientProof(kFixedKey, server_nonce_, kFixedClientNonce);
          asio::async_write(
              socket_, asio::buffer(proof_), [this](boost::system::error_code ec, size_t) {
                MINIMR_FUZZ_CHECK(!ec, "the session reads the client's proof");
                asio::async_read(
                    socket_, asio::buffer(server_proof_),
                    [this](boost::system::error_code ec, size_t) {
                      MINIMR_FUZZ_CHECK(!ec, "the session accepts a genuine client");
                      MINIMR_FUZZ_CHECK(
                          wire::ProofsEqual(
                              server_proof_,
                              wire::ServerProof(kFixedKey, kFixedClientNonce, server_nonce_)),
                          "the session proves the key");
                      SendInput();
                    });
              });
        });
  }

 private:
  void SendInput() {
    const wire::FrameKeys keys = wire::DeriveFrameKeys(kFixedKey, kFixedClientNonce, server_nonce_);
    wire::FrameMac mac(keys.client_to_server);
    stream_ = Seal(input_, mac);
    // The session may hang up before it has read everything: that is not an error here.
    asio::async_write(socket_, asio::buffer(stream_.bytes),
                      [this](boost::system::error_code, size_t) {
                        boost::system::error_code ignored;
                        socket_.shutdown(tcp::socket::shutdown_send, ignored);
                      });
  }

  tcp::socket socket_;
  std::string_view input_;
  wire::Hello hello_{}, server_hello_{};
  wire::Nonce server_nonce_{};
  wire::Proof proof_{}, server_proof_{};
  Stream stream_;
};

void RunSession(std::string_view input) {
  {
    // Only to know whether the input has a long incomplete frame: MACs do not matter here.
    wire::FrameMac any_key(wire::Key{});
    if (Seal(input, any_key).incomplete > kMaxIncompleteFrame) return;
  }
  int fds[2];
  MINIMR_FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0,
                    "a socket pair (the harness, not the code under test)");
  asio::io_context io;
  tcp::socket server_end(io), client_end(io);
  server_end.assign(tcp::v4(), fds[0]);
  client_end.assign(tcp::v4(), fds[1]);

  std::vector<Frame> delivered;
  bool closed = false;
  std::string reason;
  auto session = std::make_shared<wire::Session>(std::move(server_end), kFixedKey);
  session->Start(
      wire::Session::Role::kServer, [] {},
      [&](wire::MessageType type, std::string_view body) {
        delivered.push_back({static_cast<uint8_t>(type), std::string(body)});
        DecodeFrameBody(type, body);
      },
      [&](const std::string& why) {
        closed = true;
        reason = why;
      });
  session.reset();
  Client client(std::move(client_end), input);
  client.Start();
  io.run();

  const Stream& expected = client.stream();
  MINIMR_FUZZ_CHECK(closed, "the session closes when its peer hangs up");
  MINIMR_FUZZ_CHECK(delivered == expected.frames, "the session delivers exactly the frames sent");
  MINIMR_FUZZ_CHECK(expected.malformed == (reason.rfind("malformed frame", 0) == 0),
                    "the session refuses exactly the frames with a malformed length");
  MINIMR_FUZZ_CHECK(expected.forged == (reason.find("failed its MAC check") != std::string::npos),
                    "the session refuses exactly the frames with a forged MAC");
}

}  // namespace
}  // namespace minimr::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  minimr::fuzz::RunSession(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
