// How a session cuts the bytes it reads into frames: many frames that arrive in one read, a frame
// that arrives in pieces, and the checks (MAC, length, limit) made on every frame of a read, so
// that nothing behind a bad frame is delivered. The peer is a raw socket on a socket pair, to
// which the test writes exactly the bytes it wants; the session runs on the test's thread, and
// after Write() it has read everything written so far.
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "framework/src/wire/session.h"

namespace minimr::wire {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

class SessionReadsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    tcp::socket server_end(io_);
    server_end.assign(tcp::v4(), fds[0]);
    client_.assign(tcp::v4(), fds[1]);
    session_ = std::make_shared<Session>(std::move(server_end), Security(key_));
    session_->Start(
        Session::Role::kServer, nullptr,
        [this](MessageType type, std::string_view body) {
          frames_.emplace_back(body);
          if (on_frame_) on_frame_(type, body);
        },
        [this](const std::string& reason) { reason_ = reason; });
    Run();
    // The handshake, as a client makes it.
    const Nonce mine = NewNonce();
    const Hello hello = MakeHello(mine);
    Write(std::string(hello.begin(), hello.end()));
    Hello theirs{};
    asio::read(client_, asio::buffer(theirs));
    uint8_t flags = 0;
    Nonce server_nonce{};
    ASSERT_EQ(ParseHelloRest(theirs.data() + kHelloPrefixBytes, &flags, &server_nonce), "");
    const Proof proof = ClientProof(key_, server_nonce, mine);
    Write(std::string(proof.begin(), proof.end()));
    Proof server_proof{};
    asio::read(client_, asio::buffer(server_proof));
    ASSERT_TRUE(ProofsEqual(server_proof, ServerProof(key_, mine, server_nonce)));
    mac_.emplace(DeriveFrameKeys(key_, mine, server_nonce).client_to_server);
    ASSERT_TRUE(session_->ready());
  }

  void TearDown() override {
    session_->Close();
    Run();
  }

  // Runs the session until it waits for more bytes.
  void Run() {
    io_.restart();
    while (io_.poll() > 0) {
    }
  }

  // Writes `bytes` to the session, as fast as it reads them, and lets it read them all.
  void Write(const std::string& bytes) {
    client_.non_blocking(true);
    for (size_t at = 0; at < bytes.size();) {
      boost::system::error_code ec;
      at += client_.write_some(asio::buffer(bytes.data() + at, bytes.size() - at), ec);
      if (ec && ec != asio::error::would_block) break;  // the session hung up
      Run();
    }
    Run();
  }

  // The next frame this client sends: header, type, body and MAC.
  std::string Seal(const std::string& body) {
    auto header = EncodeFrameLength(static_cast<uint32_t>(body.size() + 1));
    std::string frame(header.begin(), header.end());
    frame.push_back(static_cast<char>(MessageType::kHeartbeat));
    frame += body;
    frame.append(kFrameMacBytes, '\0');
    mac_->Seal(&frame);
    return frame;
  }

  // The next frames, in this order, one after the other.
  std::string Seal(std::initializer_list<std::string> bodies) {
    std::string frames;
    for (const std::string& body : bodies) frames += Seal(body);
    return frames;
  }

  bool closed() const { return reason_.has_value(); }

  Key key_ = NewKey();
  asio::io_context io_;
  tcp::socket client_{io_};
  std::shared_ptr<Session> session_;
  std::optional<FrameMac> mac_;
  std::vector<std::string> frames_;  // the bodies delivered, in order
  std::function<void(MessageType, std::string_view)> on_frame_;
  std::optional<std::string> reason_;  // why the session closed, once it has
};

TEST_F(SessionReadsTest, ManyFramesThatArriveTogetherAreDeliveredInOrder) {
  std::vector<std::string> sent;
  std::string bytes;
  for (int i = 0; i < 300; ++i) {  // about 45 KiB: frames across many reads' boundaries
    sent.push_back(std::to_string(i) + std::string(static_cast<size_t>(i), 'a' + i % 26));
    bytes += Seal(sent.back());
  }
  Write(bytes);
  EXPECT_EQ(frames_, sent);
  EXPECT_FALSE(closed()) << *reason_;
}

TEST_F(SessionReadsTest, AFrameThatArrivesInPiecesIsDeliveredOnceWhole) {
  const std::string first = Seal("split byte by byte");
  for (size_t i = 0; i + 1 < first.size(); ++i) {
    Write(first.substr(i, 1));
    EXPECT_TRUE(frames_.empty()) << "delivered after " << i + 1 << " of " << first.size();
  }
  Write(first.substr(first.size() - 1));
  EXPECT_EQ(frames_, std::vector<std::string>{"split byte by byte"});

  // A frame larger than any read, its last piece together with the next frame and half of a
  // third.
  const std::string large(300 << 10, 'L');
  const std::string second = Seal(large);
  const std::string third = Seal("next");
  const std::string fourth = Seal("last");
  Write(second.substr(0, 1000));
  Write(second.substr(1000, 200000));
  EXPECT_EQ(frames_.size(), 1u);
  Write(second.substr(201000) + third + fourth.substr(0, 7));
  ASSERT_EQ(frames_.size(), 3u);
  EXPECT_EQ(frames_[1], large);
  EXPECT_EQ(frames_[2], "next");
  Write(fourth.substr(7));
  ASSERT_EQ(frames_.size(), 4u);
  EXPECT_EQ(frames_[3], "last");
  EXPECT_FALSE(closed()) << *reason_;
}

TEST_F(SessionReadsTest, AFrameThatFailsItsMacAmongOthersClosesTheConnectionAndNothingBehindIt) {
  std::string bytes = Seal("good");
  std::string changed = Seal("changed by a relay");
  changed[kFrameHeaderBytes + 3] ^= 1;
  bytes += changed;
  bytes += Seal({"behind it", "and this"});
  Write(bytes);
  EXPECT_EQ(frames_, std::vector<std::string>{"good"});
  ASSERT_TRUE(closed());
  EXPECT_NE(reason_->find("frame 1 failed its MAC check"), std::string::npos) << *reason_;
}

TEST_F(SessionReadsTest, AMalformedLengthAmongFramesClosesTheConnection) {
  auto too_long = EncodeFrameLength(static_cast<uint32_t>(kMaxFrameBytes + 1));
  std::string bytes = Seal({"one", "two"});
  bytes.append(too_long.begin(), too_long.end());
  bytes += Seal("three");
  Write(bytes);
  EXPECT_EQ(frames_, (std::vector<std::string>{"one", "two"}));
  ASSERT_TRUE(closed());
  EXPECT_EQ(*reason_, "malformed frame: length " + std::to_string(kMaxFrameBytes + 1));
}

TEST_F(SessionReadsTest, AZeroLengthAmongFramesClosesTheConnection) {
  std::string bytes = Seal("one");
  bytes.append(4, '\0');
  bytes += Seal("two");
  Write(bytes);
  EXPECT_EQ(frames_, std::vector<std::string>{"one"});
  ASSERT_TRUE(closed());
  EXPECT_EQ(*reason_, "malformed frame: length 0");
}

TEST_F(SessionReadsTest, ALimitSetWhileAFrameIsHandledHoldsForTheNextFrameOfTheSameRead) {
  on_frame_ = [this](MessageType, std::string_view) { session_->SetMaxFrameBytes(64); };
  Write(Seal({std::string(100, 'a'), std::string(100, 'b')}));
  EXPECT_EQ(frames_, std::vector<std::string>{std::string(100, 'a')});
  ASSERT_TRUE(closed());
  EXPECT_EQ(*reason_, "malformed frame: length 101");
}

TEST_F(SessionReadsTest, AHandlerThatClosesTheSessionGetsNoFramesAfter) {
  on_frame_ = [this](MessageType, std::string_view) { session_->Close(); };
  Write(Seal({"one", "two", "three"}));
  EXPECT_EQ(frames_, std::vector<std::string>{"one"});
  ASSERT_TRUE(closed());
  EXPECT_EQ(*reason_, "");
}

TEST_F(SessionReadsTest, AHandlerThatThrowsClosesTheSessionWithItsMessage) {
  on_frame_ = [](MessageType, std::string_view body) {
    if (body == "two") throw DecodeError("malformed message: two");
  };
  Write(Seal({"one", "two", "three"}));
  EXPECT_EQ(frames_, (std::vector<std::string>{"one", "two"}));
  ASSERT_TRUE(closed());
  EXPECT_EQ(*reason_, "malformed message: two");
}

TEST_F(SessionReadsTest, APeerThatHangsUpInAFrameIsToldApartFromOneThatHangsUpBetweenFrames) {
  const std::string whole = Seal("whole");
  const std::string frame = Seal("cut short");
  Write(whole + frame.substr(0, frame.size() - 1));
  client_.shutdown(tcp::socket::shutdown_send);
  Run();
  EXPECT_EQ(frames_, std::vector<std::string>{"whole"});
  ASSERT_TRUE(closed());
  EXPECT_EQ(*reason_, "connection closed by peer in a frame");
}

TEST_F(SessionReadsTest, APeerThatHangsUpBetweenFramesClosesTheConnectionPlainly) {
  Write(Seal({"whole", "and whole"}));
  client_.shutdown(tcp::socket::shutdown_send);
  Run();
  EXPECT_EQ(frames_, (std::vector<std::string>{"whole", "and whole"}));
  ASSERT_TRUE(closed());
  EXPECT_EQ(*reason_, "connection closed by peer");
}

}  // namespace
}  // namespace minimr::wire
