#include "framework/src/wire/handshake.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string_view>

#include "framework/src/util/random_bytes.h"
#include "framework/src/wire/frame_mac.h"

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
  std::string message = label;
  message.append(first.begin(), first.end());
  message.append(second.begin(), second.end());
  Proof proof;
  unsigned int length = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(message.data()), message.size(), proof.data(),
            &length) ||
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
  return Mac(key, Label("client"), server_nonce, client_nonce);
}

Proof ServerProof(const Key& key, const Nonce& client_nonce, const Nonce& server_nonce) {
  return Mac(key, Label("server"), client_nonce, server_nonce);
}

bool ProofsEqual(const Proof& a, const Proof& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
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
  std::array<uint8_t, 2 * kNonceBytes> salt;
  std::copy(client_nonce.begin(), client_nonce.end(), salt.begin());
  std::copy(server_nonce.begin(), server_nonce.end(), salt.begin() + kNonceBytes);
  std::string info = Label("frame keys");
  std::array<uint8_t, 2 * kKeyBytes> out;
  size_t out_length = out.size();
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr), &EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0 ||
      EVP_PKEY_CTX_set_hkdf_md(ctx.get(), EVP_sha256()) <= 0 ||
      EVP_PKEY_CTX_set1_hkdf_salt(ctx.get(), salt.data(), static_cast<int>(salt.size())) <= 0 ||
      EVP_PKEY_CTX_set1_hkdf_key(ctx.get(), key.data(), static_cast<int>(key.size())) <= 0 ||
      EVP_PKEY_CTX_add1_hkdf_info(ctx.get(), reinterpret_cast<const unsigned char*>(info.data()),
                                  static_cast<int>(info.size())) <= 0 ||
      EVP_PKEY_derive(ctx.get(), out.data(), &out_length) <= 0 || out_length != out.size()) {
    throw std::runtime_error("OpenSSL HKDF-SHA256 failed");
  }
  FrameKeys keys;
  std::copy_n(out.begin(), kKeyBytes, keys.client_to_server.begin());
  std::copy_n(out.begin() + kKeyBytes, kKeyBytes, keys.server_to_client.begin());
  return keys;
}

void SkipCryptoCleanupAtExit() { OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr); }

void PrepareCrypto() {
  const Key key = NewKey();
  const Nonce nonce = NewNonce();
  (void)ClientProof(key, nonce, nonce);
  FrameMac(DeriveFrameKeys(key, nonce, nonce).client_to_server).Next({"minimr"});
}

}  // namespace minimr::wire
