// Sort Benchmark records, as gensort -a lays them out: 100 bytes, of which the first 10 are the
// key, each line ending in "\r\n" so that line tools (GNU sort) can sort them too.
//
//   bytes  0-9   key: 10 printable ASCII characters, ' ' to '~', from the row's random number
//   bytes 10-11  two spaces
//   bytes 12-43  the row number, 32 upper-case hex digits
//   bytes 44-45  two spaces
//   bytes 46-97  filler: 13 runs of 4 equal upper-case hex digits, taken from the row number
//   bytes 98-99  "\r\n"
//
// The random numbers are this file's own (a SplitMix64 hash of the seed and the row), not
// gensort's generator: the layout is gensort's, the keys are not byte for byte its keys.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace terasort {

inline constexpr size_t kRecordSize = 100;
inline constexpr size_t kKeySize = 10;

// Writes row `row` of the records made from `seed` into out[0, kRecordSize).
void MakeRecord(uint64_t seed, uint64_t row, char* out);

// The CRC-32 (zlib's) of a record given as its key and value; the checksum of a set of records
// is the sum of theirs, which does not depend on their order (gensort -c sums them likewise).
uint32_t RecordCrc(std::string_view key, std::string_view value);

// The counters teragen adds to, and teravalidate compares against.
inline constexpr std::string_view kRecordsCounter = "tera.records";
inline constexpr std::string_view kChecksumCounter = "tera.checksum";

}  // namespace terasort
