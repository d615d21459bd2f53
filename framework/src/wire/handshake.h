// The handshake that opens every connection, before any frame: both sides prove they hold the
// cluster's secret key, without sending it, over fixed-size raw bytes (nothing is deserialized).
// Both sides send their hello at once:
//
//   each side -> the other   hello: "MINIMR" | protocol version, 2 ASCII digits | u8 flags |
//                            nonce (32 random bytes)
//   client -> server         HMAC-SHA256(key, "minimr 5 client" | server nonce | client nonce)
//   server -> client         HMAC-SHA256(key, "minimr 5 server" | client nonce | server nonce)
//
// (5 is kProtocolVersion, below; the labels carry whichever version this is.)
//
// The server proves its key only once the client has proved its own.
// A side reads the first 8 bytes of the peer's hello before anything else, so that a peer of
// another protocol version is told apart (and named with both versions) whatever the length of
// its hello. A side that receives a wrong magic, version or proof closes the connection. After
// the handshake every frame carries a MAC keyed from the cluster key and both nonces
// (frame_mac.h): one key per direction.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace minimr::wire {

// Version 1 had no frame MACs; 3 fetches input file lists and map output locations in pieces,
// many map outputs over one kept connection, and carries the shuffle's budgets; in 4 a task
// report may ask for the next task; in 5 an assignment carries small lists (the job's input
// files, map output locations) that a task used to ask for on a connection of its own, and a
// worker may ask for its next task ahead (kTaskRequestAhead). Every later change to the wire
// bumps this.
constexpr int kProtocolVersion = 5;

constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 32;
constexpr size_t kProofBytes = 32;

using Key = std::array<uint8_t, kKeyBytes>;
using Nonce = std::array<uint8_t, kNonceBytes>;
using Proof = std::array<uint8_t, kProofBytes>;

// Fresh random bytes from the kernel's generator (FillRandom); throws std::runtime_error if it
// fails.
Key NewKey();
Nonce NewNonce();

std::string KeyToHex(const Key& key);
// Throws std::invalid_argument unless `hex` is exactly 64 hexadecimal digits.
Key KeyFromHex(const std::string& hex);

Proof ClientProof(const Key& key, const Nonce& server_nonce, const Nonce& client_nonce);
Proof ServerProof(const Key& key, const Nonce& client_nonce, const Nonce& server_nonce);
// Compares in constant time.
bool ProofsEqual(const Proof& a, const Proof& b);

// The hello: its first kHelloPrefixBytes say who speaks (magic and version), the rest follows.
constexpr size_t kHelloPrefixBytes = 8;
constexpr size_t kHelloBytes = kHelloPrefixBytes + 1 + kNonceBytes;
using Hello = std::array<uint8_t, kHelloBytes>;
// Flags of a hello. kHelloTlsRequired: a TLS server's answer to a peer that spoke without TLS,
// after which it hangs up.
constexpr uint8_t kHelloTlsRequired = 1;

Hello MakeHello(const Nonce& nonce, uint8_t flags = 0);
// Checks the first kHelloPrefixBytes bytes a peer sent. Returns "" if they open a hello of this
// protocol version, else what the peer is, for a message that begins with "it" or "the peer":
// "speaks minimr protocol 1, this is 2", "speaks TLS, this side does not", "is not a minimr peer".
std::string CheckHelloPrefix(const uint8_t* prefix);
// Reads the flags and the nonce that follow the prefix (kHelloBytes - kHelloPrefixBytes bytes).
// Returns "" or, for flags this version does not know, what is wrong.
std::string ParseHelloRest(const uint8_t* rest, uint8_t* flags, Nonce* nonce);

// The keys of a connection's two directions, from the cluster key and both handshake nonces
// (HKDF-SHA256): a frame sent one way never checks the other way, nor on another connection.
struct FrameKeys {
  Key client_to_server;
  Key server_to_client;
};
FrameKeys DeriveFrameKeys(const Key& key, const Nonce& client_nonce, const Nonce& server_nonce);

}  // namespace minimr::wire
