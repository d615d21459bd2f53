#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>

#include <cstring>
#include <memory>
#include <string>

#include "framework/src/wire/handshake.h"

namespace minimr::wire {
namespace {

Hello HelloOfVersion(const char* magic_and_version) {
  Hello hello = MakeHello(NewNonce());
  std::memcpy(hello.data(), magic_and_version, kHelloPrefixBytes);
  return hello;
}

TEST(Handshake, ProofsMatchOnlyWithTheSameKey) {
  Key key = NewKey(), other = NewKey();
  Nonce a = NewNonce(), b = NewNonce();
  EXPECT_TRUE(ProofsEqual(ClientProof(key, a, b), ClientProof(key, a, b)));
  EXPECT_FALSE(ProofsEqual(ClientProof(key, a, b), ClientProof(other, a, b)));
  EXPECT_FALSE(ProofsEqual(ClientProof(key, a, b), ClientProof(key, b, a)));
}

// OpenSSL, which the wire does not use for these, as the reference.
std::array<uint8_t, 32> OpenSslHmac(const Key& key, const std::string& message) {
  std::array<uint8_t, 32> mac{};
  unsigned int length = 0;
  EXPECT_TRUE(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                   reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                   mac.data(), &length));
  EXPECT_EQ(length, mac.size());
  return mac;
}

std::string Concatenated(const std::string& label, const Nonce& a, const Nonce& b) {
  return label + std::string(a.begin(), a.end()) + std::string(b.begin(), b.end());
}

TEST(Handshake, ProofsAreTheHmacOfTheLabelAndBothNonces) {
  Key key = NewKey();
  Nonce a = NewNonce(), b = NewNonce();
  const std::string version = std::to_string(kProtocolVersion);
  EXPECT_EQ(ClientProof(key, a, b),
            OpenSslHmac(key, Concatenated("minimr " + version + " client", a, b)));
  EXPECT_EQ(ServerProof(key, a, b),
            OpenSslHmac(key, Concatenated("minimr " + version + " server", a, b)));
}

TEST(Handshake, FrameKeysAreHkdfSha256OfTheClusterKeySaltedWithBothNonces) {
  Key key = NewKey();
  Nonce client = NewNonce(), server = NewNonce();
  std::string salt = Concatenated("", client, server);
  std::string info = "minimr " + std::to_string(kProtocolVersion) + " frame keys";
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> hkdf(
      EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr), &EVP_PKEY_CTX_free);
  std::array<uint8_t, 2 * kKeyBytes> expected{};
  size_t length = expected.size();
  ASSERT_TRUE(
      hkdf && EVP_PKEY_derive_init(hkdf.get()) > 0 &&
      EVP_PKEY_CTX_set_hkdf_md(hkdf.get(), EVP_sha256()) > 0 &&
      EVP_PKEY_CTX_set1_hkdf_salt(hkdf.get(), reinterpret_cast<const unsigned char*>(salt.data()),
                                  static_cast<int>(salt.size())) > 0 &&
      EVP_PKEY_CTX_set1_hkdf_key(hkdf.get(), key.data(), static_cast<int>(key.size())) > 0 &&
      EVP_PKEY_CTX_add1_hkdf_info(hkdf.get(), reinterpret_cast<const unsigned char*>(info.data()),
                                  static_cast<int>(info.size())) > 0 &&
      EVP_PKEY_derive(hkdf.get(), expected.data(), &length) > 0);
  ASSERT_EQ(length, expected.size());
  FrameKeys keys = DeriveFrameKeys(key, client, server);
  EXPECT_TRUE(
      std::equal(keys.client_to_server.begin(), keys.client_to_server.end(), expected.begin()));
  EXPECT_TRUE(std::equal(keys.server_to_client.begin(), keys.server_to_client.end(),
                         expected.begin() + kKeyBytes));
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

TEST(Handshake, AHelloOfThisVersionCarriesItsNonce) {
  Nonce nonce = NewNonce(), parsed{};
  Hello hello = MakeHello(nonce);
  EXPECT_EQ(std::string(hello.begin(), hello.begin() + kHelloPrefixBytes),
            "MINIMR0" + std::to_string(kProtocolVersion));
  EXPECT_EQ(CheckHelloPrefix(hello.data()), "");
  uint8_t flags = 99;
  EXPECT_EQ(ParseHelloRest(hello.data() + kHelloPrefixBytes, &flags, &parsed), "");
  EXPECT_EQ(flags, 0);
  EXPECT_EQ(parsed, nonce);
}

TEST(Handshake, APeerOfAnotherVersionIsNamedWithBothVersions) {
  for (int version : {1, 2, 3, kProtocolVersion - 1, kProtocolVersion + 1, 12}) {
    std::string prefix = "MINIMR" + std::string(version < 10 ? "0" : "") + std::to_string(version);
    EXPECT_EQ(CheckHelloPrefix(HelloOfVersion(prefix.c_str()).data()),
              "speaks minimr protocol " + std::to_string(version) + ", this is " +
                  std::to_string(kProtocolVersion));
  }
}

TEST(Handshake, StrangersAndTlsAreToldApartFromMinimrPeers) {
  const uint8_t tls_client_hello[kHelloPrefixBytes] = {0x16, 0x03, 0x01, 0x02,
                                                       0x00, 0x01, 0x00, 0x01};
  EXPECT_EQ(CheckHelloPrefix(tls_client_hello), "speaks TLS, this side does not");
  EXPECT_EQ(CheckHelloPrefix(HelloOfVersion("GET / HT").data()), "is not a minimr peer");
  EXPECT_EQ(CheckHelloPrefix(HelloOfVersion("MINIMRx2").data()), "is not a minimr peer");
  EXPECT_EQ(CheckHelloPrefix(HelloOfVersion("minimr02").data()), "is not a minimr peer");
}

TEST(Handshake, TheTlsRequiredFlagIsReadAndUnknownFlagsAreRefused) {
  Nonce nonce{};
  uint8_t flags = 0;
  Hello refusal = MakeHello(Nonce{}, kHelloTlsRequired);
  EXPECT_EQ(ParseHelloRest(refusal.data() + kHelloPrefixBytes, &flags, &nonce), "");
  EXPECT_EQ(flags, kHelloTlsRequired);
  Hello odd = MakeHello(NewNonce(), 0x80);
  EXPECT_NE(ParseHelloRest(odd.data() + kHelloPrefixBytes, &flags, &nonce), "");
}

TEST(Handshake, FrameKeysDifferByDirectionConnectionAndClusterKey) {
  Key key = NewKey();
  Nonce client = NewNonce(), server = NewNonce();
  FrameKeys keys = DeriveFrameKeys(key, client, server);
  FrameKeys again = DeriveFrameKeys(key, client, server);
  EXPECT_EQ(keys.client_to_server, again.client_to_server);
  EXPECT_EQ(keys.server_to_client, again.server_to_client);
  EXPECT_NE(keys.client_to_server, keys.server_to_client);
  EXPECT_NE(DeriveFrameKeys(key, server, client).client_to_server, keys.client_to_server);
  EXPECT_NE(DeriveFrameKeys(key, NewNonce(), server).client_to_server, keys.client_to_server);
  EXPECT_NE(DeriveFrameKeys(NewKey(), client, server).client_to_server, keys.client_to_server);
  EXPECT_NE(keys.client_to_server, key);
}

}  // namespace
}  // namespace minimr::wire
