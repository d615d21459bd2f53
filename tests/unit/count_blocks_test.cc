// Counting dense integer keys by sorting, and count blocks as map output (minimr/count_blocks.h).
#include "minimr/count_blocks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "minimr/testing.h"

namespace minimr {
namespace {

using Totals = std::map<uint64_t, uint64_t>;

struct Collect : Emitter {
  std::vector<std::pair<std::string, std::string>> records;
  void Emit(std::string_view key, std::string_view value) override {
    records.emplace_back(key, value);
  }
};

struct Values : ValueIterator {
  std::vector<std::string> values;
  size_t next = 0;
  bool Next(std::string_view* value) override {
    if (next == values.size()) return false;
    *value = values[next++];
    return true;
  }
};

std::vector<KeyCount> ToVector(const Totals& totals) {
  std::vector<KeyCount> counts;
  for (const auto& [key, count] : totals) counts.push_back({key, count});
  return counts;
}

Totals ToMap(const std::vector<KeyCount>& counts) {
  Totals totals;
  for (const KeyCount& kc : counts) totals[kc.key] += kc.count;
  return totals;
}

// Sums the records of several emitters block by block, as a reduce task sees them.
Totals SumBlocks(CountBlocks& blocks, const std::vector<Collect>& outputs) {
  std::map<std::string, Values> by_block;
  for (const Collect& out : outputs) {
    for (const auto& [key, value] : out.records) by_block[key].values.push_back(value);
  }
  Totals totals;
  std::vector<KeyCount> counts;
  for (auto& [key, values] : by_block) {
    blocks.Sum(key, values, counts);
    for (size_t i = 0; i < counts.size(); ++i) {
      if (i > 0) {
        EXPECT_LT(counts[i - 1].key, counts[i].key);
      }
      totals[counts[i].key] += counts[i].count;
    }
  }
  return totals;
}

// The VmFlags of the mapping of this process that holds `address` ("rd wr mr mw me ac hg ...").
std::string VmFlagsAt(const void* address) {
  std::ifstream smaps("/proc/self/smaps");
  const auto at = reinterpret_cast<uintptr_t>(address);
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    unsigned long begin = 0, end = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &begin, &end) == 2 && line.find(' ') != 0) {
      inside = begin <= at && at < end;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line.substr(8) + " ";
    }
  }
  return "";
}

TEST(ReserveKeysTest, MakesRoomAndAsksFor2MBPagesForALargeOne) {
  std::ifstream thp("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string modes;
  if (!std::getline(thp, modes) || modes.find("[never]") != std::string::npos) {
    GTEST_SKIP() << "this kernel has no transparent huge pages to ask for";
  }
  std::vector<uint32_t> keys = {7, 3};
  ReserveKeys(keys, size_t{16} << 20);  // 64 MB
  ASSERT_GE(keys.capacity(), size_t{16} << 20);
  EXPECT_EQ(keys, (std::vector<uint32_t>{7, 3}));
  // "hg": the mapping in the middle of the keys is advised to use huge pages (MADV_HUGEPAGE).
  EXPECT_NE(VmFlagsAt(keys.data() + (size_t{8} << 20)).find(" hg "), std::string::npos)
      << VmFlagsAt(keys.data() + (size_t{8} << 20));
  const uint32_t* before = keys.data();
  ReserveKeys(keys, 100);  // room enough already: nothing moves
  EXPECT_EQ(keys.data(), before);
}

TEST(CountKeysTest, CountsEachDistinctKeyInIncreasingOrder) {
  std::mt19937_64 rng(7);
  for (uint32_t range : {1u, 10u, 1000u, 100'000'000u, std::numeric_limits<uint32_t>::max()}) {
    std::vector<uint32_t> keys;
    Totals expected;
    for (int i = 0; i < 100'000; ++i) {
      const auto key = static_cast<uint32_t>(rng() % (uint64_t{range} + 1));
      keys.push_back(key);
      ++expected[key];
    }
    keys.push_back(range);  // the largest key sets the number of radix passes
    ++expected[range];
    std::vector<KeyCount> counts;
    CountKeys(keys, counts);
    EXPECT_TRUE(keys.empty());
    ASSERT_EQ(counts.size(), expected.size()) << "range " << range;
    EXPECT_EQ(ToMap(counts), expected) << "range " << range;
    for (size_t i = 1; i < counts.size(); ++i) ASSERT_LT(counts[i - 1].key, counts[i].key);
  }
  std::vector<uint32_t> none;
  std::vector<KeyCount> counts = {{1, 1}};
  CountKeys(none, counts);
  EXPECT_TRUE(counts.empty());
}

TEST(CountBlocksTest, BlocksFromManyTasksSumToTheTotals) {
  std::mt19937_64 rng(11);
  CountBlocks blocks(1000);
  CountBlocks reader;  // takes the block size from the records
  Totals expected;
  std::vector<Collect> outputs(3);
  for (Collect& out : outputs) {
    Totals task;
    for (int i = 0; i < 50'000; ++i) task[rng() % 1'000'000] += 1 + rng() % 3;
    task[999'999] += 1;  // the last key of the last block
    task[0] += uint64_t{1} << 40;
    blocks.Emit(ToVector(task), out);
    for (const auto& [key, count] : task) expected[key] += count;
  }
  // One record per block that holds a key, each block's key sorting in block order.
  EXPECT_LE(outputs[0].records.size(), 1000u);
  for (size_t i = 1; i < outputs[0].records.size(); ++i) {
    EXPECT_LT(outputs[0].records[i - 1].first, outputs[0].records[i].first);
  }
  EXPECT_EQ(SumBlocks(reader, outputs), expected);
}

TEST(CountBlocksTest, SortedKeysMakeTheSameBlocksAsTheirCounts) {
  std::mt19937_64 rng(5);
  std::vector<uint32_t> keys;
  for (int i = 0; i < 100'000; ++i) keys.push_back(static_cast<uint32_t>(rng() % 5'000'000));
  std::vector<uint32_t> sorted = keys;
  SortKeys(sorted);
  EXPECT_TRUE(std::is_sorted(sorted.begin(), sorted.end()));
  std::vector<KeyCount> counts;
  CountKeys(keys, counts);
  CountBlocks blocks(4096);
  Collect from_sorted, from_counts;
  blocks.EmitSorted(sorted, from_sorted);
  blocks.Emit(counts, from_counts);
  EXPECT_EQ(from_sorted.records, from_counts.records);
  EXPECT_THROW(blocks.EmitSorted(std::vector<uint32_t>{3, 2}, from_sorted), std::invalid_argument);
  EXPECT_THROW(blocks.EmitSorted(std::vector<uint32_t>{5000, 3}, from_sorted),
               std::invalid_argument);
}

TEST(CountBlocksTest, EmitRefusesKeysOutOfOrderAndZeroCounts) {
  CountBlocks blocks(10);
  Collect out;
  EXPECT_THROW(blocks.Emit(std::vector<KeyCount>{{5, 1}, {5, 1}}, out), std::invalid_argument);
  EXPECT_THROW(blocks.Emit(std::vector<KeyCount>{{15, 1}, {3, 1}}, out), std::invalid_argument);
  EXPECT_THROW(blocks.Emit(std::vector<KeyCount>{{7, 1}, {6, 1}}, out), std::invalid_argument);
  EXPECT_THROW(blocks.Emit(std::vector<KeyCount>{{1, 0}}, out), std::invalid_argument);
  EXPECT_THROW(CountBlocks(0), std::invalid_argument);
  EXPECT_THROW(CountBlocks(CountBlocks::kMaxBlockKeys + 1), std::invalid_argument);
}

TEST(CountBlocksTest, MalformedBlocksAreRefusedNamingTheBlockAndLeaveNoSumsBehind) {
  CountBlocks blocks(100);
  Collect good;
  blocks.Emit(std::vector<KeyCount>{{205, 3}, {299, 1}}, good);
  ASSERT_EQ(good.records.size(), 1u);
  const std::string key = good.records[0].first;
  auto error = [&](const std::string& block_key, std::vector<std::string> bad) {
    Values values;
    values.values = {good.records[0].second};
    for (std::string& v : bad) values.values.push_back(std::move(v));
    std::vector<KeyCount> counts;
    try {
      blocks.Sum(block_key, values, counts);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  // Each value: the block size (100, varint 0x64), then (key delta, count) pairs.
  EXPECT_EQ(error("abc", {}), "count block 616263: a block key has 8 bytes, this one 3");
  EXPECT_EQ(error(key, {std::string("\x64\x05\x80", 3)}),
            "count block 0000000000000002: a varint cut short");
  EXPECT_EQ(error(key, {std::string("\x64\x64\x01", 3)}),
            "count block 0000000000000002: a key past the block of 100 keys");
  EXPECT_EQ(error(key, {std::string("\x64\x05\x00", 3)}),
            "count block 0000000000000002: a count of zero");
  EXPECT_EQ(error(key, {std::string("\x64\x05\x01\x00\x01", 5)}),
            "count block 0000000000000002: keys not increasing");
  EXPECT_EQ(error(key, {std::string("\x64\x05\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12)}),
            "count block 0000000000000002: the count of key 205 overflows 64 bits");
  EXPECT_EQ(error(key, {std::string("\x0a\x05\x01", 3)}),
            "count block 0000000000000002: blocks of 100 and of 10 keys (every map task must "
            "count in blocks of one size)");
  EXPECT_EQ(error(key, {std::string("\x00", 1)}),
            "count block 0000000000000002: a block of 0 keys");
  EXPECT_EQ(error(std::string(8, '\xff'), {}),
            "count block ffffffffffffffff: block number out of range");
  // After all that, a block sums from zero again.
  Values values;
  values.values = {good.records[0].second, good.records[0].second};
  std::vector<KeyCount> counts;
  blocks.Sum(key, values, counts);
  EXPECT_EQ(ToMap(counts), (Totals{{205, 6}, {299, 2}}));
}

// A job of dense keys through the public API only: the mapper counts the numbers of its lines
// in batches, a combiner sums each map task's blocks over its spills, the reducer writes
// "key<TAB>count".
class NumberCountMapper : public Mapper {
 public:
  void Map(std::string_view, std::string_view line, Emitter& out) override {
    uint32_t key = 0;
    std::from_chars(line.data(), line.data() + line.size(), key);
    keys_.push_back(key);
    if (keys_.size() == 7) Flush(out);  // small batches: the same key in several blocks
  }
  void Finish(Emitter& out) override { Flush(out); }

 private:
  void Flush(Emitter& out) {
    CountKeys(keys_, counts_);
    blocks_.Emit(counts_, out);
  }
  std::vector<uint32_t> keys_;
  std::vector<KeyCount> counts_;
  CountBlocks blocks_{1000};  // small blocks: many of them, spread over the reduce tasks
};

TEST(CountBlocksTest, AJobOfDenseKeysCountsExactlyThroughCombinerSpillsAndReducers) {
  JobDefinition job = MakeJob<NumberCountMapper, CountBlockReducer>();
  job.Combiner<CountBlockCombiner>();
  std::mt19937_64 rng(3);
  std::map<std::string, uint64_t> expected;
  testing::JobHarness harness(job, "numbers");
  for (int task = 0; task < 4; ++task) {
    testing::Records input;
    for (int i = 0; i < 500; ++i) {
      const uint64_t key = rng() % 300'000;
      input.push_back({std::to_string(i), std::to_string(key)});
      ++expected[std::to_string(key)];
    }
    harness.MapTask(std::move(input));
  }
  const testing::JobOutput result = harness.ReduceTasks(3).SpillEvery(5).Run();
  std::map<std::string, uint64_t> got;
  for (const auto& [key, value] : result.All()) {
    EXPECT_TRUE(got.emplace(key, std::stoull(value)).second) << "key " << key << " twice";
  }
  EXPECT_EQ(got, expected);
  EXPECT_GT(result.counters.Get("combine.input.records"),
            result.counters.Get("combine.output.records"));
}

}  // namespace
}  // namespace minimr
