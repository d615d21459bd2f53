// The accept loop's limits: a handshake's deadline, the cap on connections in their handshake,
// and the cap on connections from one address.
#include "framework/src/wire/listener.h"

#include <gtest/gtest.h>

#include "framework/src/wire/blocking_client.h"
#include "tests/common/raw_peer.h"
#include "tests/unit/wire_echo_server.h"

namespace minimr::wire {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

bool MemberGetsThrough(uint16_t port, const Key& key) {
  try {
    BlockingClient client("127.0.0.1", port, key, seconds(10));
    client.Send(MessageType::kHeartbeat, "hello");
    MessageType type;
    std::string body;
    client.Receive(&type, &body);
    return body == "hello";
  } catch (const std::exception&) {
    return false;
  }
}

TEST(Listener, AHandshakeNotDoneInTimeIsCut) {
  Key key = NewKey();
  ListenerLimits limits;
  limits.handshake_timeout = milliseconds(300);
  EchoServer server(key, limits);
  testing::RawPeer silent("127.0.0.1", server.port());
  EXPECT_TRUE(silent.WaitForClose());
  EXPECT_TRUE(server.WaitForReason("handshake: not done within 0.30 s")) << server.Reasons();
}

TEST(Listener, SilentConnectionsCannotLockOutAMember) {
  Key key = NewKey();
  ListenerLimits limits;
  limits.max_handshaking = 4;
  limits.handshake_timeout = seconds(120);  // longer than the test: only the cap can cut them
  EchoServer server(key, limits);
  std::vector<std::unique_ptr<testing::RawPeer>> silent;
  for (int i = 0; i < 4; ++i) {
    silent.push_back(std::make_unique<testing::RawPeer>("127.0.0.1", server.port()));
  }
  // Every one of them accepted and in its handshake before the next comes.
  for (int i = 0;
       i < 1000 && server.OnServerThread([](Listener& l) { return l.handshaking(); }) < 4; ++i) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  ASSERT_EQ(server.OnServerThread([](Listener& l) { return l.handshaking(); }), 4u);
  testing::RawPeer fifth("127.0.0.1", server.port());
  EXPECT_TRUE(silent[0]->WaitForClose()) << "the oldest handshake was not cut";
  EXPECT_TRUE(server.WaitForLog("cut in its handshake: 4 connections were in their handshake"))
      << server.Log();
  EXPECT_TRUE(MemberGetsThrough(server.port(), key));
  EXPECT_LE(server.OnServerThread([](Listener& l) { return l.handshaking(); }), 4u);
}

TEST(Listener, ConnectionsFromOneAddressAreCapped) {
  Key key = NewKey();
  ListenerLimits limits;
  limits.max_per_address = 3;
  limits.handshake_timeout = seconds(120);
  EchoServer server(key, limits);
  std::vector<std::unique_ptr<testing::RawPeer>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_unique<testing::RawPeer>("127.0.0.1", server.port()));
  }
  for (int i = 0; i < 1000 && server.OnServerThread(
                                  [](Listener& l) { return l.connections_from("127.0.0.1"); }) < 3;
       ++i) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  testing::RawPeer fourth("127.0.0.1", server.port());
  EXPECT_TRUE(fourth.WaitForClose());
  EXPECT_TRUE(server.WaitForLog("refused a connection from 127.0.0.1: it has 3 open"))
      << server.Log();
  EXPECT_FALSE(MemberGetsThrough(server.port(), key));
  // Once one of them goes, there is room again.
  open[0]->Close();
  bool through = false;
  for (int i = 0; i < 200 && !through; ++i) {
    through = MemberGetsThrough(server.port(), key);
    if (!through) std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_TRUE(through);
}

}  // namespace
}  // namespace minimr::wire
