// Sessions and blocking clients over loopback: frames in plain TCP and in TLS, the pinned
// certificate, and the clear refusals between peers that do not speak alike.
#include "framework/src/wire/session.h"

#include <gtest/gtest.h>

#include <future>
#include <optional>
#include <thread>

#include "framework/src/wire/blocking_client.h"
#include "framework/src/wire/handshake.h"
#include "framework/src/wire/tls.h"
#include "tests/common/raw_peer.h"
#include "tests/unit/wire_echo_server.h"

namespace minimr::wire {
namespace {

using std::chrono::seconds;

std::string ErrorOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

// One frame there and back.
void RoundTrip(BlockingClient& client, const std::string& body) {
  client.Send(MessageType::kHeartbeat, body);
  MessageType type;
  std::string echo;
  client.Receive(&type, &echo);
  EXPECT_EQ(type, MessageType::kHeartbeat);
  EXPECT_EQ(echo, body);
}

struct TlsCluster {
  TlsIdentity identity = MakeTlsIdentity();
  Key key = NewKey();
  Security Server() const {
    Security security(key);
    security.tls_server = MakeTlsServerContext(identity);
    return security;
  }
  Security Client() const {
    Security security(key);
    security.tls_client = MakeTlsClientContext(CertificateSha256(identity.certificate_pem));
    return security;
  }
};

TEST(Session, FramesGoBothWaysAfterTheHandshake) {
  Key key = NewKey();
  EchoServer server(key);
  BlockingClient client("127.0.0.1", server.port(), key);
  RoundTrip(client, "one");
  RoundTrip(client, std::string(3 << 20, 'x'));
  RoundTrip(client, "");
}

TEST(Session, FramesGoBothWaysInTls) {
  TlsCluster cluster;
  EchoServer server(cluster.Server());
  BlockingClient client("127.0.0.1", server.port(), cluster.Client());
  RoundTrip(client, "one");
  RoundTrip(client, std::string(3 << 20, 'x'));
}

TEST(Session, ATlsClientRefusesACertificateOtherThanThePinnedOne) {
  TlsCluster cluster, impostor;
  impostor.key = cluster.key;  // even with the right key, the certificate must be the pinned one
  EchoServer server(impostor.Server());
  std::string error =
      ErrorOf([&] { BlockingClient("127.0.0.1", server.port(), cluster.Client(), seconds(10)); });
  EXPECT_NE(error.find("not the one the connection file pins"), std::string::npos) << error;
}

TEST(Session, APlainClientOfATlsServerIsToldThatTlsIsRequired) {
  TlsCluster cluster;
  EchoServer server(cluster.Server());
  std::string error =
      ErrorOf([&] { BlockingClient("127.0.0.1", server.port(), cluster.key, seconds(10)); });
  EXPECT_NE(error.find("the peer requires TLS, and this side connected without it"),
            std::string::npos)
      << error;
  EXPECT_TRUE(server.WaitForReason("speaks minimr without TLS, and this cluster requires TLS"))
      << server.Reasons();
}

TEST(Session, ATlsClientOfAPlainServerIsToldItDoesNotSpeakTls) {
  TlsCluster cluster;
  EchoServer server(cluster.key);
  std::string error =
      ErrorOf([&] { BlockingClient("127.0.0.1", server.port(), cluster.Client(), seconds(10)); });
  EXPECT_NE(error.find("TLS handshake failed"), std::string::npos) << error;
  EXPECT_NE(error.find("the peer does not speak TLS"), std::string::npos) << error;
  EXPECT_TRUE(server.WaitForReason("the peer speaks TLS, this side does not")) << server.Reasons();
}

TEST(Session, APeerOfAnotherProtocolVersionIsRefusedNamingBothVersions) {
  Key key = NewKey();
  EchoServer server(key);
  // What a version-1 client sends: its magic, a nonce and a proof.
  testing::RawPeer old_client("127.0.0.1", server.port());
  old_client.Write("MINIMR01" + std::string(64, '\1'));
  EXPECT_TRUE(old_client.WaitForClose());
  const std::string this_is = ", this is " + std::to_string(kProtocolVersion);
  EXPECT_TRUE(server.WaitForReason("handshake: the peer speaks minimr protocol 1" + this_is))
      << server.Reasons();

  // A server of a later version, as a client meets it.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  std::thread later_server([&] {
    boost::asio::ip::tcp::socket socket(io);
    acceptor.accept(socket);
    std::string hello = "MINIMR0" + std::to_string(kProtocolVersion + 1) + std::string(33, '\0');
    boost::asio::write(socket, boost::asio::buffer(hello));
    char sink[64];
    boost::system::error_code ec;
    while (!ec) socket.read_some(boost::asio::buffer(sink), ec);
  });
  std::string error = ErrorOf(
      [&] { BlockingClient("127.0.0.1", acceptor.local_endpoint().port(), key, seconds(10)); });
  later_server.join();
  EXPECT_NE(error.find("the peer speaks minimr protocol " + std::to_string(kProtocolVersion + 1) +
                       this_is),
            std::string::npos)
      << error;
}

TEST(Session, AFrameWithABadMacClosesTheConnection) {
  Key key = NewKey();
  EchoServer server(key);
  testing::RawPeer peer("127.0.0.1", server.port());
  ASSERT_TRUE(peer.Handshake(key));
  ASSERT_TRUE(peer.Write(peer.Seal(MessageType::kHeartbeat, "good")));
  auto echo = peer.ReadFrame();
  ASSERT_TRUE(echo.has_value());
  EXPECT_EQ(echo->second, "good");
  ASSERT_TRUE(peer.Write(testing::RawPeer::Unsealed(MessageType::kHeartbeat, "forged")));
  EXPECT_TRUE(peer.WaitForClose());
  EXPECT_TRUE(server.WaitForReason("frame 1 failed its MAC check")) << server.Reasons();
}

TEST(Session, AReplayedHandshakeIsRefused) {
  Key key = NewKey();
  EchoServer server(key);
  std::string recorded;
  {
    testing::RawPeer peer("127.0.0.1", server.port());
    ASSERT_TRUE(peer.Handshake(key));
    ASSERT_TRUE(peer.Write(peer.Seal(MessageType::kHeartbeat, "from the member")));
    ASSERT_TRUE(peer.ReadFrame().has_value());
    recorded = peer.sent();
  }
  // The same bytes again, from someone who does not hold the key: the server's nonce differs.
  testing::RawPeer replay("127.0.0.1", server.port());
  replay.Write(recorded);
  std::string hello;
  ASSERT_TRUE(replay.Read(&hello, kHelloBytes));
  EXPECT_TRUE(replay.WaitForClose()) << "the server proved its key to a replayed handshake";
  EXPECT_TRUE(server.WaitForReason("handshake: the peer does not hold this cluster's key"))
      << server.Reasons();
}

TEST(BlockingClient, APeerThatSaysNothingFailsTheCallAtItsDeadline) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor mute(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  // Never accepted: the connection waits in the kernel's queue, and no hello ever comes.
  std::string error = ErrorOf([&] {
    BlockingClient("127.0.0.1", mute.local_endpoint().port(), NewKey(),
                   std::chrono::milliseconds(300));
  });
  EXPECT_NE(error.find("nothing from the peer for 0.30 s while waiting for the handshake"),
            std::string::npos)
      << error;

  Key key = NewKey();
  EchoServer server(key);
  // A second, not 300 ms: the handshake with the echo server's thread runs under it too, outside
  // ErrorOf, on a machine that may be busy.
  BlockingClient client("127.0.0.1", server.port(), key, std::chrono::seconds(1));
  MessageType type;
  std::string body;
  error = ErrorOf([&] { client.Receive(&type, &body); });  // the echo server only answers
  EXPECT_NE(error.find("nothing from the peer for 1.00 s while waiting for a message"),
            std::string::npos)
      << error;
}

// BytesWaiting tells a frame that came and was not read yet (what SubmitJob reads before a
// check's finding stands: a master that stops after its job sends the result, then goes) from
// nothing, and from the end of the connection.
TEST(BlockingClient, BytesWaitingTellsAFrameNotReadYet) {
  Key key = NewKey();
  auto server = std::make_unique<EchoServer>(key);
  BlockingClient client("127.0.0.1", server->port(), key);
  EXPECT_FALSE(client.BytesWaiting());
  // The server's thread is held, so that the echo comes only once it is let go.
  std::promise<void> holding, release;
  std::thread holder([&] {
    server->OnServerThread([&](Listener&) {
      holding.set_value();
      release.get_future().wait();
      return 0;
    });
  });
  holding.get_future().wait();
  client.Send(MessageType::kHeartbeat, "last words");
  EXPECT_FALSE(client.BytesWaiting()) << "the server has not answered yet";
  release.set_value();
  holder.join();
  bool waiting = false;
  for (int i = 0; i < 2000 && !(waiting = client.BytesWaiting()); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(waiting);
  MessageType type;
  std::string body;
  client.Receive(&type, &body);
  EXPECT_EQ(body, "last words");
  EXPECT_FALSE(client.BytesWaiting());
  server.reset();  // the connection ends: that is not bytes
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(client.BytesWaiting());
}

// ... and nothing while a Receive waits with its read under way: a second Ctrl-C on `minimr
// submit` (its check throwing in the wait) must end the wait, not keep it until the master speaks.
TEST(BlockingClient, BytesWaitingIsFalseWhileAReceiveWaitsForNothing) {
  Key key = NewKey();
  EchoServer server(key);  // it only answers, and nothing is sent to it
  BlockingClient client("127.0.0.1", server.port(), key);
  struct GaveUp {};
  std::optional<bool> waiting_in_the_wait;
  MessageType type;
  std::string body;
  EXPECT_THROW(client.Receive(&type, &body,
                              [&] {
                                waiting_in_the_wait = client.BytesWaiting();
                                throw GaveUp{};
                              }),
               GaveUp);
  ASSERT_TRUE(waiting_in_the_wait.has_value());
  EXPECT_FALSE(*waiting_in_the_wait);
}

TEST(BlockingClient, AddressesAreLookedUpWithinADeadline) {
  auto numeric = ResolveWithin("127.0.0.1", 7, std::chrono::milliseconds(1));
  ASSERT_EQ(numeric.size(), 1u);
  EXPECT_EQ(numeric.begin()->endpoint().port(), 7);
  EXPECT_FALSE(ResolveWithin("localhost", 7, seconds(10)).empty());
  // Refused or unanswered, whichever the name service does here: either way it names the host.
  std::string error = ErrorOf([] { ResolveWithin("no-such-host.invalid", 7, seconds(2)); });
  EXPECT_NE(error.find("no-such-host.invalid"), std::string::npos) << error;
}

}  // namespace
}  // namespace minimr::wire
