#include "framework/src/wire/blocking_client.h"

#include <algorithm>

#include "framework/src/wire/asio.h"
#include "framework/src/wire/frame.h"

namespace minimr::wire {

namespace asio = boost::asio;
using asio::ip::tcp;

struct BlockingClient::Impl {
  asio::io_context io;
  tcp::socket socket{io};
  std::string peer;
};

BlockingClient::BlockingClient(const std::string& host, uint16_t port, const Key& key)
    : impl_(std::make_unique<Impl>()) {
  impl_->peer = host + ":" + std::to_string(port);
  try {
    tcp::resolver resolver(impl_->io);
    asio::connect(impl_->socket, resolver.resolve(host, std::to_string(port)));
    impl_->socket.set_option(tcp::no_delay(true));
    ServerHello server_hello;
    asio::read(impl_->socket, asio::buffer(server_hello));
    Nonce server_nonce, client_nonce = NewNonce();
    if (!ParseServerHello(server_hello.data(), &server_nonce)) {
      throw std::runtime_error("not a minimr peer");
    }
    ClientHello hello = MakeClientHello(key, server_nonce, client_nonce);
    asio::write(impl_->socket, asio::buffer(hello));
    Proof proof;
    asio::read(impl_->socket, asio::buffer(proof));
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
  boost::system::error_code ec;
  asio::write(impl_->socket, buffers, ec);
  if (ec) throw std::runtime_error(impl_->peer + ": " + ec.message());
}

void BlockingClient::Receive(MessageType* type, std::string* body) {
  std::array<uint8_t, kFrameHeaderBytes> header;
  boost::system::error_code ec;
  asio::read(impl_->socket, asio::buffer(header), ec);
  if (ec) throw std::runtime_error(impl_->peer + ": " + ec.message());
  uint32_t length = DecodeFrameLength(header);
  if (length == 0 || length > kMaxFrameBytes) {
    throw std::runtime_error(impl_->peer + ": malformed frame of length " + std::to_string(length));
  }
  body->resize(length);
  asio::read(impl_->socket, asio::buffer(*body), ec);
  if (ec) throw std::runtime_error(impl_->peer + ": " + ec.message());
  *type = static_cast<MessageType>((*body)[0]);
  body->erase(0, 1);
}

}  // namespace minimr::wire
