// Counting keys that are integers of a dense range [0, key_space) - n-digit sequences, byte
// values, grid cells - when a task sees millions of distinct ones. A record per key (millions
// of text records, each sorted, combined, fetched and merged on its own) costs far more than the
// counting; here the keys are counted by sorting, in memory that grows with the keys seen and
// not with key_space (CountKeys), and travel from map to reduce as one record per block of
// consecutive keys (CountBlocks), which a reducer sums into one output record per key.
//
//   class M : public minimr::Mapper {             // the keys of a split, in batches
//     void Flush(minimr::Emitter& out) {
//       minimr::SortKeys(keys_);
//       blocks_.EmitSorted(keys_, out);             // or CountKeys, then Emit the counts
//       keys_.clear();
//     }
//     std::vector<uint32_t> keys_;
//     minimr::CountBlocks blocks_;
//   };
//   job.Combiner<minimr::CountBlockCombiner>();    // optional: sums a map task's blocks
//   MakeJob<M, minimr::CountBlockReducer>();       // "key<TAB>count", keys in decimal
//
// Map output records: key = the block number as 8 big-endian bytes (so blocks sort in key
// order), value = the block size and then the block's (key, count) pairs, as varints, keys
// increasing. Every map task of a job must count in blocks of one size; reducers and combiners
// read it from the blocks.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "minimr/job.h"

namespace minimr {

struct KeyCount {
  uint64_t key;
  uint64_t count;
};

// Sorts `keys` in increasing order: a radix sort, in time linear in their number, with a buffer
// as large as `keys` (kept by the calling thread for the next call).
void SortKeys(std::vector<uint32_t>& keys);

// Makes room for `count` keys in `keys`, as std::vector::reserve does, and asks the kernel to
// back a large room with 2 MB pages: filling it then takes a page fault per 2 MB rather than per
// 4 KB (a fault cost about 12 us on a virtual machine we measured, 40 MB of keys half a second).
void ReserveKeys(std::vector<uint32_t>& keys, size_t count);

// Sorts `keys`, then sets `counts` to each distinct key with how often it occurs, in
// increasing key order, and empties `keys` (its memory kept for the next batch).
void CountKeys(std::vector<uint32_t>& keys, std::vector<KeyCount>& counts);

class CountBlocks {
 public:
  static constexpr uint64_t kDefaultBlockKeys = 65536;
  static constexpr uint64_t kMaxBlockKeys = uint64_t{1} << 24;

  // Throws std::invalid_argument unless block_keys is 1 to kMaxBlockKeys. A reducer keeps a
  // table of block_keys 64-bit sums. Small key spaces want small blocks, so that the blocks
  // spread over the reduce tasks.
  explicit CountBlocks(uint64_t block_keys = kDefaultBlockKeys);

  uint64_t block_keys() const { return block_keys_; }

  // Emits `counts` (keys increasing, counts > 0) as one record for each block of block_keys
  // consecutive keys that holds any of them. Throws std::invalid_argument for keys out of
  // order or a zero count.
  void Emit(std::span<const KeyCount> counts, Emitter& out) const;
  // The same for keys sorted in increasing order (SortKeys), each run of equal keys counting as
  // one key with the run's length as its count: no list of counts in between.
  void EmitSorted(std::span<const uint32_t> sorted_keys, Emitter& out) const;

  // Sums the blocks in `values`, all records of the block `block_key`, into `counts`: its keys
  // that occur, increasing, with their summed counts. Throws std::runtime_error naming the
  // block for a record that is not a block (a key past the block, a count of zero, a truncated
  // varint), blocks of different sizes, or a sum that overflows 64 bits. Returns the records'
  // block size (0 if there were none).
  uint64_t Sum(std::string_view block_key, ValueIterator& values, std::vector<KeyCount>& counts);

 private:
  uint64_t block_keys_;
  std::vector<uint64_t> table_;  // Sum's: one block's sums, index = key - its first key; zeros
};

// A combiner for CountBlocks map output: the blocks of one key summed into one.
class CountBlockCombiner : public Reducer {
 public:
  void Reduce(std::string_view key, ValueIterator& values, Emitter& out) override;

 private:
  CountBlocks blocks_;
  std::vector<KeyCount> counts_;
};

// The reducer for CountBlocks map output: one record per key that occurs, in increasing key
// order, "key<TAB>count" with both in decimal unless EmitCount is overridden.
class CountBlockReducer : public Reducer {
 public:
  void Reduce(std::string_view key, ValueIterator& values, Emitter& out) override;

 protected:
  // Emits one key's total. Override to write the key another way (as n digits, say), or to
  // gather statistics on the way.
  virtual void EmitCount(uint64_t key, uint64_t count, Emitter& out);

 private:
  CountBlocks blocks_;
  std::vector<KeyCount> counts_;
};

}  // namespace minimr
