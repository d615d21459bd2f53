// Sorted runs of records to merge: from a region of a file, or from memory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "minimr/input.h"

namespace minimr::shuffle {

class RecordSource {
 public:
  virtual ~RecordSource() = default;
  // Advances to the next record; false at the end. Throws std::runtime_error on corrupt input.
  virtual bool Next() = 0;
  // The current record; valid until the next call to Next().
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
};

// Records in bytes [offset, offset + length) of a file, read `read_piece` bytes at a time (more
// only to hold a record longer than that).
std::unique_ptr<RecordSource> OpenFileRun(const std::string& path, uint64_t offset,
                                          uint64_t length, size_t read_piece = 1 << 20);
// Records in a string the caller keeps alive.
std::unique_ptr<RecordSource> OpenMemoryRun(std::string_view bytes);

}  // namespace minimr::shuffle
