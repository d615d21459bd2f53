// How key/value records are laid out in map output, spills and fetched partitions:
//   varint key length | key | varint value length | value
// A run is a sequence of records sorted by key (bytewise).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace minimr::shuffle {

void AppendRecord(std::string* out, std::string_view key, std::string_view value);

// Parses the record at the front of *in and removes it from *in. Returns false, leaving *in as it
// was, if *in does not start with a whole record (it is empty, or the record is cut short).
bool ParseRecord(std::string_view* in, std::string_view* key, std::string_view* value);

}  // namespace minimr::shuffle
