#include "terasort/tera_record.h"

#include <zlib.h>

namespace terasort {
namespace {

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr char kHex[] = "0123456789ABCDEF";

}  // namespace

void MakeRecord(uint64_t seed, uint64_t row, char* out) {
  const uint64_t high = SplitMix64(SplitMix64(seed) ^ row);
  const uint64_t low = SplitMix64(high ^ 0x5851f42d4c957f2dULL);
  unsigned __int128 random = (static_cast<unsigned __int128>(high) << 64) | low;
  // 95^10 < 2^66: ten base-95 digits of a 128-bit number are close to uniform.
  for (size_t i = 0; i < kKeySize; ++i) {
    out[i] = static_cast<char>(' ' + static_cast<int>(random % 95));
    random /= 95;
  }
  out[10] = out[11] = ' ';
  for (int i = 0; i < 32; ++i) {
    const int shift = 4 * (31 - i);
    out[12 + i] = shift >= 64 ? '0' : kHex[(row >> shift) & 15];
  }
  out[44] = out[45] = ' ';
  for (int run = 0; run < 13; ++run) {
    const char digit = kHex[(row >> (4 * (run % 16))) & 15];
    for (int j = 0; j < 4; ++j) out[46 + 4 * run + j] = digit;
  }
  out[98] = '\r';
  out[99] = '\n';
}

uint32_t RecordCrc(std::string_view key, std::string_view value) {
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(key.data()), static_cast<uInt>(key.size()));
  crc = crc32(crc, reinterpret_cast<const Bytef*>(value.data()), static_cast<uInt>(value.size()));
  return static_cast<uint32_t>(crc);
}

}  // namespace terasort
