#include "framework/src/wire/handshake.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

namespace minimr::wire {
namespace {

template <size_t N>
std::array<uint8_t, N> RandomBytes() {
  std::array<uint8_t, N> bytes;
  if (RAND_bytes(bytes.data(), static_cast<int>(N)) != 1) {
    throw std::runtime_error("OpenSSL could not produce random bytes");
  }
  return bytes;
}

Proof Mac(const Key& key, std::string_view label, const Nonce& first, const Nonce& second) {
  std::array<uint8_t, 6 + 2 * kNonceBytes> message{};
  std::copy(label.begin(), label.end(), message.begin());
  std::copy(first.begin(), first.end(), message.begin() + 6);
  std::copy(second.begin(), second.end(), message.begin() + 6 + kNonceBytes);
  Proof proof;
  unsigned int length = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), message.data(),
            message.size(), proof.data(), &length) ||
      length != proof.size()) {
    throw std::runtime_error("OpenSSL HMAC-SHA256 failed");
  }
  return proof;
}

}  // namespace

Key NewKey() { return RandomBytes<kKeyBytes>(); }
Nonce NewNonce() { return RandomBytes<kNonceBytes>(); }

std::string KeyToHex(const Key& key) {
  static const char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (uint8_t b : key) {
    hex += kDigits[b >> 4];
    hex += kDigits[b & 15];
  }
  return hex;
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
  return Mac(key, "client", server_nonce, client_nonce);
}

Proof ServerProof(const Key& key, const Nonce& client_nonce, const Nonce& server_nonce) {
  return Mac(key, "server", client_nonce, server_nonce);
}

bool ProofsEqual(const Proof& a, const Proof& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

ServerHello MakeServerHello(const Nonce& server_nonce) {
  ServerHello hello;
  std::copy(kMagic.begin(), kMagic.end(), hello.begin());
  std::copy(server_nonce.begin(), server_nonce.end(), hello.begin() + kMagic.size());
  return hello;
}

bool ParseServerHello(const uint8_t* hello, Nonce* server_nonce) {
  if (!std::equal(kMagic.begin(), kMagic.end(), hello)) return false;
  std::copy_n(hello + kMagic.size(), kNonceBytes, server_nonce->begin());
  return true;
}

ClientHello MakeClientHello(const Key& key, const Nonce& server_nonce, const Nonce& client_nonce) {
  ClientHello hello;
  Proof proof = ClientProof(key, server_nonce, client_nonce);
  std::copy(kMagic.begin(), kMagic.end(), hello.begin());
  std::copy(client_nonce.begin(), client_nonce.end(), hello.begin() + kMagic.size());
  std::copy(proof.begin(), proof.end(), hello.begin() + kMagic.size() + kNonceBytes);
  return hello;
}

std::string CheckClientHello(const Key& key, const Nonce& server_nonce, const uint8_t* hello,
                             Nonce* client_nonce) {
  if (!std::equal(kMagic.begin(), kMagic.end(), hello)) return "not a minimr peer";
  std::copy_n(hello + kMagic.size(), kNonceBytes, client_nonce->begin());
  Proof proof;
  std::copy_n(hello + kMagic.size() + kNonceBytes, kProofBytes, proof.begin());
  if (!ProofsEqual(proof, ClientProof(key, server_nonce, *client_nonce))) {
    return "the peer does not hold this cluster's key";
  }
  return "";
}

}  // namespace minimr::wire
