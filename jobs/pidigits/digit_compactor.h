// Digit text to digit values: keeps the value 0..9 of every ASCII digit and drops every other
// byte, counting the dropped bytes that are not ASCII whitespace as invalid. Or, the same scan
// counting each digit value instead of keeping it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace minimr::pidigits {

// The code paths of this folder, from the plain C++ one to the most vectorized. kAvx2 needs
// AVX2 and POPCNT; kAvx512 also AVX-512 BW and VBMI2, and differs from kAvx2 in Compact only.
enum class VectorPath { kPortable, kAvx2, kAvx512 };

// "portable", "avx2" or "avx512".
const char* VectorPathName(VectorPath path);

// The most vectorized path this CPU runs.
VectorPath CpuVectorPath();

class DigitCompactor {
 public:
  // Uses the most vectorized path that the CPU runs, but none beyond `most` (tests and
  // benchmarks compare the paths). Every path gives identical results.
  explicit DigitCompactor(VectorPath most = VectorPath::kAvx512);

  // Writes the values (0..9) of the ASCII digits of in[0,len) to out, in order, and returns
  // how many it wrote. Adds to *invalid the number of bytes that are neither digits nor ASCII
  // whitespace (space, \t, \n, \v, \f, \r).
  // REQUIRES: out has room for len bytes.
  size_t Compact(const char* in, size_t len, uint8_t* out, uint64_t* invalid) const {
    return compact_fn_(in, len, out, invalid);
  }

  // Adds to counts[d] the number of digits d in in[0,len), and to *invalid the number of
  // bytes that are neither digits nor ASCII whitespace. Returns the number of digits.
  // REQUIRES: len < 2^32.
  size_t Count(const char* in, size_t len, uint32_t counts[10], uint64_t* invalid) const {
    return count_fn_(in, len, counts, invalid);
  }

  // The path in use.
  VectorPath path() const { return path_; }

 private:
  using CompactFn = size_t (*)(const char* in, size_t len, uint8_t* out, uint64_t* invalid);
  using CountFn = size_t (*)(const char* in, size_t len, uint32_t* counts, uint64_t* invalid);

  CompactFn compact_fn_;
  CountFn count_fn_;
  VectorPath path_;
};

}  // namespace minimr::pidigits
