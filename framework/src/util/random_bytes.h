// Random bytes from the kernel's generator (getrandom(2)), for keys, nonces and ids: ready in
// every process from its start, where OpenSSL's generator is set up on first use (a quarter of
// a millisecond, measured) and set up again in each fork.
#pragma once

#include <cstddef>

namespace minimr {

// Fills `bytes` with `count` random bytes. Throws std::runtime_error if the kernel has none to
// give (no getrandom: a kernel before 3.17).
void FillRandom(void* bytes, size_t count);

}  // namespace minimr
