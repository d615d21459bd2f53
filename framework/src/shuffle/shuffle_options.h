// The shuffle's budgets, per task: the job file's map.sort_buffer, reduce.shuffle_buffer and
// shuffle.merge_factor (docs/shuffle.md says what each bounds and why the defaults).
#pragma once

#include <cstddef>
#include <cstdint>

namespace minimr::shuffle {

// A map task buffers what its mapper emits (records and their index) in this many bytes, then
// sorts and spills them.
constexpr uint64_t kDefaultSortBuffer = uint64_t(64) << 20;
// A reduce task keeps fetched map output in memory up to this many bytes, and spills beyond.
constexpr uint64_t kDefaultShuffleBuffer = uint64_t(128) << 20;
// The most sorted runs on disk merged at once (each an open file and a read buffer).
constexpr int kDefaultMergeFactor = 16;

constexpr uint64_t kMinBuffer = uint64_t(64) << 10;
constexpr uint64_t kMaxBuffer = uint64_t(64) << 30;
constexpr int kMinMergeFactor = 2;
constexpr int kMaxMergeFactor = 1000;

// The read buffer of each run in a merge of `merge_factor` runs, and the write buffer of its
// output, so that all of them together take at most `budget` (but at least 4 KiB, at most 1 MiB
// each).
inline size_t MergePieceBytes(uint64_t budget, int merge_factor) {
  uint64_t piece = budget / uint64_t(merge_factor + 1);
  if (piece < (4u << 10)) piece = 4u << 10;
  if (piece > (1u << 20)) piece = 1u << 20;
  return static_cast<size_t>(piece);
}

}  // namespace minimr::shuffle
