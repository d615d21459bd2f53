#include <gtest/gtest.h>

#include "framework/src/wire/handshake.h"

namespace minimr::wire {
namespace {

TEST(Handshake, ProofsMatchOnlyWithTheSameKey) {
  Key key = NewKey(), other = NewKey();
  Nonce a = NewNonce(), b = NewNonce();
  EXPECT_TRUE(ProofsEqual(ClientProof(key, a, b), ClientProof(key, a, b)));
  EXPECT_FALSE(ProofsEqual(ClientProof(key, a, b), ClientProof(other, a, b)));
  EXPECT_FALSE(ProofsEqual(ClientProof(key, a, b), ClientProof(key, b, a)));
}

TEST(Handshake, ClientAndServerProofsDiffer) {
  // A server cannot answer a client by echoing the client's own proof back.
  Key key = NewKey();
  Nonce a = NewNonce(), b = NewNonce();
  EXPECT_FALSE(ProofsEqual(ClientProof(key, a, b), ServerProof(key, a, b)));
}

TEST(Handshake, KeysRoundTripThroughHex) {
  Key key = NewKey();
  EXPECT_EQ(KeyFromHex(KeyToHex(key)), key);
  EXPECT_THROW(KeyFromHex("abc"), std::invalid_argument);
  EXPECT_THROW(KeyFromHex(std::string(64, 'g')), std::invalid_argument);
}

TEST(Handshake, ServerAcceptsOnlyAHelloMadeWithItsKey) {
  Key key = NewKey();
  Nonce server_nonce = NewNonce(), client_nonce = NewNonce(), parsed{};
  ServerHello server_hello = MakeServerHello(server_nonce);
  ASSERT_TRUE(ParseServerHello(server_hello.data(), &parsed));
  EXPECT_EQ(parsed, server_nonce);

  ClientHello good = MakeClientHello(key, server_nonce, client_nonce);
  EXPECT_EQ(CheckClientHello(key, server_nonce, good.data(), &parsed), "");
  EXPECT_EQ(parsed, client_nonce);
  ClientHello forged = MakeClientHello(NewKey(), server_nonce, client_nonce);
  EXPECT_NE(CheckClientHello(key, server_nonce, forged.data(), &parsed), "");
  good[0] = 'X';
  EXPECT_EQ(CheckClientHello(key, server_nonce, good.data(), &parsed), "not a minimr peer");
  EXPECT_FALSE(ParseServerHello(good.data(), &parsed));
}

}  // namespace
}  // namespace minimr::wire
