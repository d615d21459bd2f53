// The MAC every frame carries after the handshake: what passes, and that nothing else does.
#include "framework/src/wire/frame_mac.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>
#include <vector>

namespace minimr::wire {
namespace {

// A whole frame as Session writes it: header, type, body, tag.
std::string Frame(FrameMac& sender, uint8_t type, const std::string& body) {
  auto header = EncodeFrameLength(static_cast<uint32_t>(body.size() + 1));
  std::string frame(header.begin(), header.end());
  frame.push_back(static_cast<char>(type));
  frame += body;
  frame.append(kFrameMacBytes, '\0');
  sender.Seal(&frame);
  return frame;
}

// Whether `receiver` takes `frame` as the next one, as Session reads it.
bool Opens(FrameMac& receiver, const std::string& frame) {
  std::array<uint8_t, kFrameHeaderBytes> header;
  std::copy_n(frame.begin(), kFrameHeaderBytes, header.begin());
  std::string_view rest = std::string_view(frame).substr(kFrameHeaderBytes);
  return receiver.Open(header, rest);
}

class FrameMacTest : public ::testing::Test {
 protected:
  Key key_ = NewKey();
  FrameKeys keys_ = DeriveFrameKeys(key_, NewNonce(), NewNonce());
  FrameMac client_send_{keys_.client_to_server};
  FrameMac server_receive_{keys_.client_to_server};
};

TEST_F(FrameMacTest, FramesPassInTheOrderTheyWereSent) {
  std::vector<std::string> frames;
  for (int i = 0; i < 5; ++i) {
    frames.push_back(Frame(client_send_, static_cast<uint8_t>(i + 1), std::string(i * 1000, 'x')));
  }
  frames.push_back(Frame(client_send_, 8, std::string(1 << 20, '\7')));  // a map-output piece
  for (const auto& frame : frames) EXPECT_TRUE(Opens(server_receive_, frame));
  EXPECT_EQ(server_receive_.frames(), frames.size());
}

TEST_F(FrameMacTest, TheTagIsTheTruncatedHmacOfTheSequenceNumberAndTheFrame) {
  Frame(client_send_, 3, "");  // frame 0
  std::string frame = Frame(client_send_, 6, "beat");
  std::string covered = std::string("\0\0\0\0\0\0\0\1", 8) +  // frame 1, big-endian
                        frame.substr(0, frame.size() - kFrameMacBytes);
  unsigned char full[32];
  unsigned int length = 0;
  ASSERT_TRUE(HMAC(
      EVP_sha256(), keys_.client_to_server.data(), static_cast<int>(keys_.client_to_server.size()),
      reinterpret_cast<const unsigned char*>(covered.data()), covered.size(), full, &length));
  EXPECT_EQ(frame.substr(frame.size() - kFrameMacBytes),
            std::string(reinterpret_cast<const char*>(full), kFrameMacBytes));
}

TEST_F(FrameMacTest, AnyFlippedBitIsRefused) {
  std::string first = Frame(client_send_, 11, "job: wordcount, output /tmp/out");
  std::string frame = Frame(client_send_, 6, "a heartbeat and its counters");
  ASSERT_TRUE(Opens(server_receive_, first));
  for (size_t bit = 0; bit < 8 * frame.size(); ++bit) {
    std::string changed = frame;
    changed[bit / 8] = static_cast<char>(changed[bit / 8] ^ (1 << (bit % 8)));
    // A receiver at the same place in the stream as the real one. (A changed length would make
    // a real reader take more or fewer bytes; here it takes the frame's own, and the MAC, which
    // covers the header, must still refuse it.)
    FrameMac receiver(keys_.client_to_server);
    ASSERT_TRUE(Opens(receiver, first));
    EXPECT_FALSE(Opens(receiver, changed)) << "bit " << bit << " of " << 8 * frame.size();
  }
  EXPECT_TRUE(Opens(server_receive_, frame));
}

TEST_F(FrameMacTest, AReplayedFrameIsRefused) {
  std::string a = Frame(client_send_, 3, "");
  std::string b = Frame(client_send_, 6, "beat");
  ASSERT_TRUE(Opens(server_receive_, a));
  EXPECT_FALSE(Opens(server_receive_, a));
  FrameMac fresh(keys_.client_to_server);
  ASSERT_TRUE(Opens(fresh, a));
  ASSERT_TRUE(Opens(fresh, b));
  EXPECT_FALSE(Opens(fresh, b));
}

TEST_F(FrameMacTest, ReorderedOrDroppedFramesAreRefused) {
  std::string a = Frame(client_send_, 5, "report of map task 1");
  std::string b = Frame(client_send_, 3, "");
  std::string c = Frame(client_send_, 6, "beat");
  EXPECT_FALSE(Opens(server_receive_, b));  // b before a
  FrameMac dropped(keys_.client_to_server);
  ASSERT_TRUE(Opens(dropped, a));
  EXPECT_FALSE(Opens(dropped, c));  // b never came
}

TEST_F(FrameMacTest, AFrameReflectedToItsSenderIsRefused) {
  std::string a = Frame(client_send_, 18, "");
  FrameMac client_receive(keys_.server_to_client);
  EXPECT_FALSE(Opens(client_receive, a));
}

TEST_F(FrameMacTest, AFrameFromAnotherConnectionOrKeyIsRefused) {
  std::string a = Frame(client_send_, 18, "");
  FrameMac other_connection(DeriveFrameKeys(key_, NewNonce(), NewNonce()).client_to_server);
  EXPECT_FALSE(Opens(other_connection, a));
  FrameMac forger(DeriveFrameKeys(NewKey(), NewNonce(), NewNonce()).client_to_server);
  std::string forged = Frame(forger, 18, "");
  EXPECT_FALSE(Opens(server_receive_, forged));
}

}  // namespace
}  // namespace minimr::wire
