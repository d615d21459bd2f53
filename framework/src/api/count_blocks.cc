#include "minimr/count_blocks.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <stdexcept>
#include <string>
#include <utility>

#include "framework/src/util/huge_pages.h"
#include "minimr/hex.h"

namespace minimr {

namespace {

constexpr int kMaxRadixBits = 11;  // 2048 buckets a pass: their counters stay in L1

constexpr size_t kMaxVarintBytes = 10;

// Writes v as a varint at p, which has room for kMaxVarintBytes; returns the end.
inline char* PutVarint(uint64_t v, char* p) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

// A block's value as it is written: varints appended at `end`, with room made a pair at a time.
class BlockValue {
 public:
  void Start(uint64_t block_keys) {
    bytes_.resize(std::max<size_t>(bytes_.size(), 4096));
    end_ = PutVarint(block_keys, bytes_.data());
  }
  void Add(uint64_t delta, uint64_t count) {
    if (static_cast<size_t>(bytes_.data() + bytes_.size() - end_) < 2 * kMaxVarintBytes) {
      const size_t used = static_cast<size_t>(end_ - bytes_.data());
      bytes_.resize(bytes_.size() * 2);
      end_ = bytes_.data() + used;
    }
    end_ = PutVarint(count, PutVarint(delta, end_));
  }
  std::string_view view() const {
    return std::string_view(bytes_.data(), static_cast<size_t>(end_ - bytes_.data()));
  }

 private:
  std::string bytes_;
  char* end_ = nullptr;
};

// Reads a varint at *p (before end); false if it is cut short or holds more than 64 bits.
inline bool GetVarint(const char*& p, const char* end, uint64_t* v) {
  if (p < end && static_cast<uint8_t>(*p) < 0x80) [[likely]] {  // most deltas and counts
    *v = static_cast<uint8_t>(*p++);
    return true;
  }
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && p < end; shift += 7) {
    const auto byte = static_cast<uint8_t>(*p++);
    if (shift == 63 && byte > 1) return false;  // past 64 bits
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (byte < 0x80) {
      *v = result;
      return true;
    }
  }
  return false;
}

std::string BlockKey(uint64_t block) {
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i, block >>= 8) key[i] = static_cast<char>(block & 0xff);
  return key;
}

}  // namespace

void SortKeys(std::vector<uint32_t>& keys) {
  if (keys.size() < 2) return;
  const uint32_t max = *std::max_element(keys.begin(), keys.end());
  const int bits = std::max(1, static_cast<int>(std::bit_width(max)));
  const int passes = (bits + kMaxRadixBits - 1) / kMaxRadixBits;
  const int digit_bits = (bits + passes - 1) / passes;
  const uint32_t mask = (uint32_t{1} << digit_bits) - 1;
  // LSD radix sort: one stable counting pass per digit_bits of the key, least significant first.
  // The buffer stays with the thread: a map task's batches, and the next task's, reuse its pages.
  thread_local std::vector<uint32_t> other;
  if (other.capacity() < keys.size()) {
    other.clear();  // nothing in it to copy
    ReserveKeys(other, std::max(keys.size(), 2 * other.capacity()));
  }
  other.resize(keys.size());
  std::vector<size_t> offsets(size_t{1} << digit_bits);
  for (int pass = 0; pass < passes; ++pass) {
    const int shift = pass * digit_bits;
    std::fill(offsets.begin(), offsets.end(), 0);
    for (uint32_t key : keys) ++offsets[(key >> shift) & mask];
    size_t sum = 0;
    for (size_t& offset : offsets) sum += std::exchange(offset, sum);
    for (uint32_t key : keys) other[offsets[(key >> shift) & mask]++] = key;
    keys.swap(other);
  }
}

void ReserveKeys(std::vector<uint32_t>& keys, size_t count) {
  if (count <= keys.capacity()) return;
  keys.reserve(count);
  AdviseHugePages(keys.data(), keys.capacity() * sizeof(uint32_t));
}

void CountKeys(std::vector<uint32_t>& keys, std::vector<KeyCount>& counts) {
  counts.clear();
  SortKeys(keys);
  for (size_t i = 0; i < keys.size();) {
    size_t end = i + 1;
    while (end < keys.size() && keys[end] == keys[i]) ++end;
    counts.push_back({keys[i], end - i});
    i = end;
  }
  keys.clear();
}

CountBlocks::CountBlocks(uint64_t block_keys) : block_keys_(block_keys) {
  if (block_keys < 1 || block_keys > kMaxBlockKeys) {
    throw std::invalid_argument("CountBlocks: block_keys must be 1 to 2^24, got " +
                                std::to_string(block_keys));
  }
}

void CountBlocks::Emit(std::span<const KeyCount> counts, Emitter& out) const {
  BlockValue value;
  for (size_t i = 0; i < counts.size();) {
    const uint64_t block = counts[i].key / block_keys_;
    const uint64_t first = block * block_keys_;
    value.Start(block_keys_);
    uint64_t previous = first;
    bool previous_pair = false;
    for (; i < counts.size() && counts[i].key / block_keys_ == block; ++i) {
      const KeyCount& kc = counts[i];
      if (kc.count == 0) throw std::invalid_argument("CountBlocks::Emit: a count of zero");
      if (kc.key < previous || (kc.key == previous && previous_pair)) {
        throw std::invalid_argument("CountBlocks::Emit: keys not increasing");
      }
      value.Add(kc.key - previous, kc.count);  // the first key from the block's start
      previous = kc.key;
      previous_pair = true;
    }
    if (i < counts.size() && counts[i].key < first) {
      throw std::invalid_argument("CountBlocks::Emit: keys not increasing");
    }
    out.Emit(BlockKey(block), value.view());
  }
}

void CountBlocks::EmitSorted(std::span<const uint32_t> sorted_keys, Emitter& out) const {
  BlockValue value;
  for (size_t i = 0; i < sorted_keys.size();) {
    const uint64_t block = sorted_keys[i] / block_keys_;
    const uint64_t first = block * block_keys_;
    const uint64_t next_block = first + block_keys_;
    value.Start(block_keys_);
    uint64_t previous = first;
    while (i < sorted_keys.size() && sorted_keys[i] < next_block) {
      const uint32_t key = sorted_keys[i];
      if (key < previous) throw std::invalid_argument("CountBlocks::EmitSorted: keys not sorted");
      size_t end = i + 1;
      while (end < sorted_keys.size() && sorted_keys[end] == key) ++end;
      value.Add(key - previous, end - i);
      previous = key;
      i = end;
    }
    if (i < sorted_keys.size() && sorted_keys[i] < first) {
      throw std::invalid_argument("CountBlocks::EmitSorted: keys not sorted");
    }
    out.Emit(BlockKey(block), value.view());
  }
}

uint64_t CountBlocks::Sum(std::string_view block_key, ValueIterator& values,
                      std::vector<KeyCount>& counts) {
  auto fail = [&](const std::string& why) {
    std::fill(table_.begin(), table_.end(), 0);  // the next block starts from zeros
    throw std::runtime_error("count block " + Hex(block_key) + ": " + why);
  };
  if (block_key.size() != 8) {
    fail("a block key has 8 bytes, this one " + std::to_string(block_key.size()));
  }
  uint64_t block = 0;
  for (unsigned char c : block_key) block = block << 8 | c;
  uint64_t block_keys = 0;  // from the first record
  uint64_t used_end = 0;    // the table is zero from here on
  std::string_view value;
  while (values.Next(&value)) {
    const char* p = value.data();
    const char* end = p + value.size();
    uint64_t size = 0;
    if (!GetVarint(p, end, &size)) fail("a varint cut short");
    if (size < 1 || size > kMaxBlockKeys) fail("a block of " + std::to_string(size) + " keys");
    if (block_keys == 0) {
      block_keys = size;
      if (block > UINT64_MAX / block_keys) fail("block number out of range");
      if (table_.size() < block_keys) table_.resize(block_keys, 0);
    } else if (size != block_keys) {
      fail("blocks of " + std::to_string(block_keys) + " and of " + std::to_string(size) +
           " keys (every map task must count in blocks of one size)");
    }
    uint64_t offset = 0;
    bool first_pair = true;
    while (p < end) {
      uint64_t delta = 0, count = 0;
      if (!GetVarint(p, end, &delta) || !GetVarint(p, end, &count)) fail("a varint cut short");
      if (!first_pair && delta == 0) fail("keys not increasing");
      if (delta >= block_keys - offset) {
        fail("a key past the block of " + std::to_string(block_keys) + " keys");
      }
      if (count == 0) fail("a count of zero");
      offset += delta;
      first_pair = false;
      if (__builtin_add_overflow(table_[offset], count, &table_[offset])) [[unlikely]] {
        fail("the count of key " + std::to_string(block * block_keys + offset) +
             " overflows 64 bits");
      }
    }
    if (!first_pair) used_end = std::max(used_end, offset + 1);  // keys increase in a value
  }
  counts.clear();
  const uint64_t first = block * block_keys;
  for (uint64_t i = 0; i < used_end; ++i) {
    if (table_[i] != 0) counts.push_back({first + i, std::exchange(table_[i], 0)});
  }
  return block_keys;
}

void CountBlockCombiner::Reduce(std::string_view key, ValueIterator& values, Emitter& out) {
  const uint64_t block_keys = blocks_.Sum(key, values, counts_);
  if (block_keys > 0) CountBlocks(block_keys).Emit(counts_, out);
}

void CountBlockReducer::Reduce(std::string_view key, ValueIterator& values, Emitter& out) {
  blocks_.Sum(key, values, counts_);
  for (const KeyCount& kc : counts_) EmitCount(kc.key, kc.count, out);
}

void CountBlockReducer::EmitCount(uint64_t key, uint64_t count, Emitter& out) {
  char key_text[24];
  char count_text[24];
  const char* key_end = std::to_chars(key_text, key_text + sizeof key_text, key).ptr;
  const char* count_end = std::to_chars(count_text, count_text + sizeof count_text, count).ptr;
  out.Emit(std::string_view(key_text, static_cast<size_t>(key_end - key_text)),
           std::string_view(count_text, static_cast<size_t>(count_end - count_text)));
}

}  // namespace minimr
