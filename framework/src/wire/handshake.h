// The handshake that opens every connection, before any frame: both sides prove they hold the
// cluster's secret key, without sending it, over fixed-size raw bytes (nothing is deserialized).
//
//   server -> client   kMagic, server nonce
//   client -> server   kMagic, client nonce, HMAC-SHA256(key, "client" | server nonce | client nonce)
//   server -> client   HMAC-SHA256(key, "server" | client nonce | server nonce)
//
// A side that receives a wrong magic or proof closes the connection.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace minimr::wire {

constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 32;
constexpr size_t kProofBytes = 32;
constexpr std::array<uint8_t, 8> kMagic = {'M', 'I', 'N', 'I', 'M', 'R', '0', '1'};

using Key = std::array<uint8_t, kKeyBytes>;
using Nonce = std::array<uint8_t, kNonceBytes>;
using Proof = std::array<uint8_t, kProofBytes>;

// Fresh random bytes from OpenSSL's generator; throws std::runtime_error if it fails.
Key NewKey();
Nonce NewNonce();

std::string KeyToHex(const Key& key);
// Throws std::invalid_argument unless `hex` is exactly 64 hexadecimal digits.
Key KeyFromHex(const std::string& hex);

Proof ClientProof(const Key& key, const Nonce& server_nonce, const Nonce& client_nonce);
Proof ServerProof(const Key& key, const Nonce& client_nonce, const Nonce& server_nonce);
// Compares in constant time.
bool ProofsEqual(const Proof& a, const Proof& b);

// The byte layouts of the three handshake steps.
constexpr size_t kServerHelloBytes = kMagic.size() + kNonceBytes;
constexpr size_t kClientHelloBytes = kMagic.size() + kNonceBytes + kProofBytes;
constexpr size_t kServerProofBytes = kProofBytes;
using ServerHello = std::array<uint8_t, kServerHelloBytes>;
using ClientHello = std::array<uint8_t, kClientHelloBytes>;

ServerHello MakeServerHello(const Nonce& server_nonce);
// Reads the server's nonce from its hello; false if the bytes are not a minimr hello.
bool ParseServerHello(const uint8_t* hello, Nonce* server_nonce);
ClientHello MakeClientHello(const Key& key, const Nonce& server_nonce, const Nonce& client_nonce);
// Checks a client's hello against the key and reads its nonce. Returns "" if it is good, else why
// not, for the log.
std::string CheckClientHello(const Key& key, const Nonce& server_nonce, const uint8_t* hello,
                             Nonce* client_nonce);

}  // namespace minimr::wire
