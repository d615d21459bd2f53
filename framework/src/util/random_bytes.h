// Random bytes from the kernel's generator (getrandom(2)), for the cluster's keys, the
// handshakes' nonces and output ids: ready in every process from its start, where OpenSSL's
// generator is set up on first use (a quarter of a millisecond, measured) and again in each
// fork. TLS (tls.h) keeps OpenSSL's for its keys and handshakes.
#pragma once

#include <cstddef>

namespace minimr {

// Fills `bytes` with `count` random bytes. Throws std::runtime_error if the kernel has none to
// give (no getrandom: a kernel before 3.17).
void FillRandom(void* bytes, size_t count);

}  // namespace minimr
