#include "framework/src/wire/handshake.h"

#include <nettle/hkdf.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <string.h>

#include <algorithm>
#include <stdexcept>
#include <string_view>

#include "framework/src/util/random_bytes.h"
#include "minimr/hex.h"

namespace minimr::wire {
namespace {

constexpr std::string_view kMagic = "MINIMR";

template <size_t N>
std::array<uint8_t, N> RandomBytes() {
  std::array<uint8_t, N> bytes;
  FillRandom(bytes.data(), N);
  return bytes;
}

// The labels name the protocol version, so that no proof of one version passes in another.
std::string Label(std::string_view side) {
  return "minimr " + std::to_string(kProtocolVersion) + " " + std::string(side);
}

Proof Mac(const Key& key, const std::string& label, const Nonce& first, const Nonce& second) {
  hmac_sha256_ctx mac;
  hmac_sha256_set_key(&mac, key.size(), key.data());
  hmac_sha256_update(&mac, label.size(), reinterpret_cast<const uint8_t*>(label.data()));
  hmac_sha256_update(&mac, first.size(), first.data());
  hmac_sha256_update(&mac, second.size(), second.data());
  Proof proof;
  hmac_sha256_digest(&mac, proof.size(), proof.data());
  explicit_bzero(&mac, sizeof mac);  // its state is derived from the cluster key
  return proof;
}

}  // namespace

Key NewKey() { return RandomBytes<kKeyBytes>(); }
Nonce NewNonce() { return RandomBytes<kNonceBytes>(); }

std::string KeyToHex(const Key& key) {
  return Hex(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
}

Key KeyFromHex(const std::string& hex) {
  if (hex.size() != 2 * kKeyBytes) {
    throw std::invalid_argument("a key must be " + std::to_string(2 * kKeyBytes) +
                                " hexadecimal digits");
  }
  auto value = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument("a key must be hexadecimal digits only");
  };
  Key key;
  for (size_t i = 0; i < key.size(); ++i) {
    key[i] = static_cast<uint8_t>(value(hex[2 * i]) << 4 | value(hex[2 * i + 1]));
  }
  return key;
}

Proof ClientProof(const Key& key, const Nonce& server_nonce, const Nonce& client_nonce) {
  return Mac(key, Label("client"), server_nonce, client_nonce);
}

Proof ServerProof(const Key& key, const Nonce& client_nonce, const Nonce& server_nonce) {
  return Mac(key, Label("server"), client_nonce, server_nonce);
}

bool ProofsEqual(const Proof& a, const Proof& b) {
  return memeql_sec(a.data(), b.data(), a.size()) != 0;
}

Hello MakeHello(const Nonce& nonce, uint8_t flags) {
  Hello hello;
  std::copy(kMagic.begin(), kMagic.end(), hello.begin());
  hello[6] = static_cast<uint8_t>('0' + kProtocolVersion / 10 % 10);
  hello[7] = static_cast<uint8_t>('0' + kProtocolVersion % 10);
  hello[kHelloPrefixBytes] = flags;
  std::copy(nonce.begin(), nonce.end(), hello.begin() + kHelloPrefixBytes + 1);
  return hello;
}

std::string CheckHelloPrefix(const uint8_t* prefix) {
  // A TLS record of the handshake: content type 22, then major version 3.
  if (prefix[0] == 0x16 && prefix[1] == 0x03) return "speaks TLS, this side does not";
  if (!std::equal(kMagic.begin(), kMagic.end(), prefix)) return "is not a minimr peer";
  auto digit = [](uint8_t c) { return c >= '0' && c <= '9'; };
  if (!digit(prefix[6]) || !digit(prefix[7])) return "is not a minimr peer";
  int version = (prefix[6] - '0') * 10 + (prefix[7] - '0');
  if (version != kProtocolVersion) {
    return "speaks minimr protocol " + std::to_string(version) + ", this is " +
           std::to_string(kProtocolVersion);
  }
  return "";
}

std::string ParseHelloRest(const uint8_t* rest, uint8_t* flags, Nonce* nonce) {
  *flags = rest[0];
  if ((*flags & ~kHelloTlsRequired) != 0) {
    return "sent a hello with unknown flags " + std::to_string(*flags);
  }
  std::copy_n(rest + 1, kNonceBytes, nonce->begin());
  return "";
}

FrameKeys DeriveFrameKeys(const Key& key, const Nonce& client_nonce, const Nonce& server_nonce) {
  // HKDF-SHA256 (RFC 5869): salt both nonces, input key material the cluster key.
  std::array<uint8_t, 2 * kNonceBytes> salt;
  std::copy(client_nonce.begin(), client_nonce.end(), salt.begin());
  std::copy(server_nonce.begin(), server_nonce.end(), salt.begin() + kNonceBytes);
  const std::string info = Label("frame keys");
  nettle_hash_update_func* update = [](void* mac, size_t length, const uint8_t* data) {
    hmac_sha256_update(static_cast<hmac_sha256_ctx*>(mac), length, data);
  };
  nettle_hash_digest_func* digest = [](void* mac, size_t length, uint8_t* out) {
    hmac_sha256_digest(static_cast<hmac_sha256_ctx*>(mac), length, out);
  };
  hmac_sha256_ctx mac;
  hmac_sha256_set_key(&mac, salt.size(), salt.data());
  std::array<uint8_t, SHA256_DIGEST_SIZE> pseudorandom_key;
  hkdf_extract(&mac, update, digest, SHA256_DIGEST_SIZE, key.size(), key.data(),
               pseudorandom_key.data());
  hmac_sha256_set_key(&mac, pseudorandom_key.size(), pseudorandom_key.data());
  std::array<uint8_t, 2 * kKeyBytes> out;
  hkdf_expand(&mac, update, digest, SHA256_DIGEST_SIZE, info.size(),
              reinterpret_cast<const uint8_t*>(info.data()), out.size(), out.data());
  FrameKeys keys;
  std::copy_n(out.begin(), kKeyBytes, keys.client_to_server.begin());
  std::copy_n(out.begin() + kKeyBytes, kKeyBytes, keys.server_to_client.begin());
  explicit_bzero(&mac, sizeof mac);
  explicit_bzero(pseudorandom_key.data(), pseudorandom_key.size());
  explicit_bzero(out.data(), out.size());
  return keys;
}

}  // namespace minimr::wire
