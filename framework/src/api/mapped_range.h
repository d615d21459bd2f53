// A byte range of a file mapped into memory, so that an input reader can hand out its pieces
// without copying them (the pi study's map tasks spent a quarter of their time in pread's copy).
//
// A mapped file that is cut short while it is read would end the process with SIGBUS. Here the
// pages past its new end read as zeros instead, and the range remembers it (cut()), so that the
// reader fails its task with the same error a short pread gives.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace minimr {

class MappedRange {
 public:
  // Maps bytes [offset, offset + length) of the file at `path`, read-only. Returns nullptr when
  // the reader should read with pread instead: the file cannot be opened or mapped, is not a
  // regular file, is already shorter than the range, or too many ranges are mapped at once.
  // REQUIRES: length > 0.
  static std::unique_ptr<MappedRange> Map(const std::string& path, uint64_t offset, size_t length);
  ~MappedRange();
  MappedRange(const MappedRange&) = delete;
  MappedRange& operator=(const MappedRange&) = delete;

  // The range's bytes; those past the file's end, if it was cut short, read as zeros.
  std::string_view bytes() const { return {data_, length_}; }
  // Whether a read of the range found the file cut short (see above).
  bool cut() const;

 private:
  MappedRange(void* mapping, size_t mapping_length, const char* data, size_t length, int slot)
      : mapping_(mapping), mapping_length_(mapping_length), data_(data), length_(length),
        slot_(slot) {}

  void* mapping_;
  size_t mapping_length_;
  const char* data_;
  size_t length_;
  int slot_;
};

// For a SIGBUS handler (si_addr): if `address` lies in a mapped range, puts zeros where its pages
// were, marks the range cut and returns true; the faulting access then reads zeros. Otherwise
// returns false. Async-signal-safe. The first Map installs a handler that calls this and passes
// other faults on to the handler it replaced; the worker's crash reporter calls it too.
bool RecoverMappedRangeFault(const void* address);

}  // namespace minimr
