#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

#include "framework/src/runtime/task_context_impl.h"
#include "framework/src/shuffle/map_output.h"
#include "framework/src/shuffle/merger.h"
#include "framework/src/shuffle/record_format.h"
#include "framework/src/shuffle/run_merger.h"
#include "framework/src/shuffle/shuffle_buffer.h"
#include "minimr/sum_reducer.h"

namespace minimr::shuffle {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  // A new directory each time (mkdtemp): one named by the pid could be a killed run's, left
  // with its files, whose pid this process now has.
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "minimr-shuffle-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern);
    path_ = pattern;
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

TEST(RecordFormat, ParsesWhatItAppends) {
  std::string bytes;
  AppendRecord(&bytes, "key", "value");
  AppendRecord(&bytes, "", std::string(300, 'x'));
  std::string_view in = bytes, key, value;
  ASSERT_TRUE(ParseRecord(&in, &key, &value));
  EXPECT_EQ(key, "key");
  EXPECT_EQ(value, "value");
  ASSERT_TRUE(ParseRecord(&in, &key, &value));
  EXPECT_EQ(key, "");
  EXPECT_EQ(value.size(), 300u);
  EXPECT_FALSE(ParseRecord(&in, &key, &value));
}

TEST(RecordFormat, LeavesACutRecordUnparsed) {
  std::string bytes;
  AppendRecord(&bytes, "key", "value");
  std::string_view in = std::string_view(bytes).substr(0, bytes.size() - 1), key, value;
  EXPECT_FALSE(ParseRecord(&in, &key, &value));
  EXPECT_EQ(in.size(), bytes.size() - 1);
}

TEST(Merger, GroupsEqualKeysAcrossRunsInOrder) {
  std::string a, b;
  AppendRecord(&a, "apple", "1");
  AppendRecord(&a, "cherry", "2");
  AppendRecord(&b, "apple", "3");
  AppendRecord(&b, "banana", "4");
  std::vector<std::unique_ptr<RecordSource>> runs;
  runs.push_back(OpenMemoryRun(a));
  runs.push_back(OpenMemoryRun(b));
  std::vector<std::pair<std::string, std::multiset<std::string>>> groups;
  MergeGroups(std::move(runs), [&](std::string_view key, ValueIterator& values) {
    std::multiset<std::string> seen;
    std::string_view v;
    while (values.Next(&v)) seen.insert(std::string(v));
    groups.push_back({std::string(key), seen});
  });
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].first, "apple");
  EXPECT_EQ(groups[0].second, (std::multiset<std::string>{"1", "3"}));
  EXPECT_EQ(groups[1].first, "banana");
  EXPECT_EQ(groups[2].first, "cherry");
}

TEST(Merger, SkipsValuesAGroupLeavesUnread) {
  std::string a;
  AppendRecord(&a, "k", "1");
  AppendRecord(&a, "k", "2");
  AppendRecord(&a, "z", "3");
  std::vector<std::unique_ptr<RecordSource>> runs;
  runs.push_back(OpenMemoryRun(a));
  std::vector<std::string> keys;
  MergeGroups(std::move(runs), [&](std::string_view key, ValueIterator&) {
    keys.push_back(std::string(key));
  });
  EXPECT_EQ(keys, (std::vector<std::string>{"k", "z"}));
}

// Writes many random word counts through a MapOutputWriter and reads every partition back.
// With `memory_limit`, an output that fits is kept in memory (*in_memory says whether it was).
std::map<std::string, int64_t> WriteAndReadBack(const std::string& path, size_t spill_bytes,
                                                bool combine, int64_t* spills,
                                                int merge_factor = kDefaultMergeFactor,
                                                int64_t* merge_passes = nullptr,
                                                uint64_t memory_limit = 0,
                                                bool* in_memory = nullptr) {
  HashPartitioner partitioner;
  runtime::TaskContextImpl context(Params(), "map", 0);
  std::function<std::unique_ptr<Reducer>()> combiner;
  if (combine) combiner = [] { return std::make_unique<SumReducer>(); };
  MapOutputWriter writer(path, 3, partitioner, combiner, context, spill_bytes, merge_factor,
                         memory_limit);
  std::mt19937 random(42);
  for (int i = 0; i < 20000; ++i) {
    writer.Emit("word" + std::to_string(random() % 500), "1");
  }
  const RunFile output = writer.Commit();
  const PartitionIndex& index = output.index;
  *spills = context.counters().Get("map.spills");
  if (merge_passes) *merge_passes = context.counters().Get("map.merge.passes");
  if (in_memory) {
    *in_memory = output.bytes != nullptr;
    EXPECT_EQ(context.counters().Get("map.outputs.in_memory"), *in_memory ? 1 : 0);
    EXPECT_EQ(output.path.empty(), *in_memory);
    EXPECT_EQ(fs::exists(path), !*in_memory) << "an output kept in memory makes no file";
  }
  EXPECT_EQ(index.size(), 4u);
  std::map<std::string, int64_t> totals;
  for (int p = 0; p < 3; ++p) {
    auto run = output.bytes
                   ? OpenMemoryRun(std::string_view(*output.bytes)
                                       .substr(index[p], index[p + 1] - index[p]))
                   : OpenFileRun(path, index[p], index[p + 1] - index[p]);
    std::string previous;
    while (run->Next()) {
      std::string key(run->key());
      EXPECT_LE(previous, key) << "partition " << p << " is not sorted";
      EXPECT_EQ(partitioner.Partition(key, 3), p);
      totals[key] += std::stoll(std::string(run->value()));
      previous = key;
    }
  }
  return totals;
}

TEST(MapOutputWriter, SpillsAndCombinesToTheSameCountsAsInMemory) {
  TempDir dir;
  int64_t spills_in_memory = 0, spills_small = 0, spills_plain = 0;
  auto in_memory = WriteAndReadBack(dir / "a", 64 << 20, true, &spills_in_memory);
  auto spilled = WriteAndReadBack(dir / "b", 4096, true, &spills_small);
  auto uncombined = WriteAndReadBack(dir / "c", 4096, false, &spills_plain);
  // The buffer starts at 64 KiB and grows to its budget, here between the two, before spilling.
  int64_t spills_grown = 0;
  auto grown = WriteAndReadBack(dir / "d", (100 << 10) + 8, false, &spills_grown);
  EXPECT_EQ(spills_in_memory, 0);
  EXPECT_GT(spills_small, 10);
  EXPECT_GE(spills_grown, 4);
  EXPECT_EQ(in_memory, spilled);
  EXPECT_EQ(in_memory, uncombined);
  EXPECT_EQ(in_memory, grown);
  int64_t total = 0;
  for (const auto& [word, count] : in_memory) total += count;
  EXPECT_EQ(total, 20000);
  EXPECT_FALSE(fs::exists(dir / "b.spill0")) << "spill files must be removed";
}

TEST(MapOutputWriter, KeepsAnOutputInMemoryOnlyIfItNeverSpilledAndFitsItsLimit) {
  TempDir dir;
  int64_t spills = 0;
  bool in_memory = false;
  const auto file = WriteAndReadBack(dir / "file", 64 << 20, true, &spills);
  const auto memory =
      WriteAndReadBack(dir / "memory", 64 << 20, true, &spills, kDefaultMergeFactor, nullptr,
                       1 << 20, &in_memory);
  EXPECT_TRUE(in_memory);
  EXPECT_EQ(memory, file);
  // 500 combined words need more than 100 bytes; spilled output is merged into a file.
  EXPECT_EQ(WriteAndReadBack(dir / "over", 64 << 20, true, &spills, kDefaultMergeFactor, nullptr,
                             100, &in_memory),
            file);
  EXPECT_FALSE(in_memory);
  EXPECT_EQ(WriteAndReadBack(dir / "spilled", 4096, true, &spills, kDefaultMergeFactor, nullptr,
                             1 << 20, &in_memory),
            file);
  EXPECT_GT(spills, 0);
  EXPECT_FALSE(in_memory);
}

// A combiner that makes each key's value 1,000 bytes long.
class Inflating : public Reducer {
 public:
  void Reduce(std::string_view key, ValueIterator&, Emitter& out) override {
    out.Emit(key, std::string(1000, 'x'));
  }
};

TEST(MapOutputWriter, AnOutputACombinerMadeLargerThanItsLimitGoesToItsFile) {
  TempDir dir;
  HashPartitioner partitioner;
  runtime::TaskContextImpl context(Params(), "map", 0);
  MapOutputWriter writer(dir / "out", 2, partitioner, [] { return std::make_unique<Inflating>(); },
                         context, 64 << 20, kDefaultMergeFactor, /*memory_limit=*/1000);
  for (int i = 0; i < 10; ++i) writer.Emit("k" + std::to_string(i), "1");
  const RunFile output = writer.Commit();
  EXPECT_EQ(output.bytes, nullptr);
  EXPECT_EQ(output.path, dir / "out");
  ASSERT_EQ(fs::file_size(dir / "out"), output.size());
  EXPECT_GT(output.size(), 10000u);
  EXPECT_EQ(context.counters().Get("map.outputs.in_memory"), 0);
  int records = 0;
  for (int p = 0; p < 2; ++p) {
    auto run = OpenFileRun(dir / "out", output.index[p], output.index[p + 1] - output.index[p]);
    while (run->Next()) records += run->value() == std::string(1000, 'x');
  }
  EXPECT_EQ(records, 10);
}

TEST(MapOutputWriter, MergesManySpillsInPassesOfTheMergeFactor) {
  TempDir dir;
  int64_t spills_whole = 0, spills = 0, passes_whole = 0, passes = 0;
  auto whole = WriteAndReadBack(dir / "a", 64 << 20, false, &spills_whole, 16, &passes_whole);
  auto merged = WriteAndReadBack(dir / "b", 4096, false, &spills, 2, &passes);
  EXPECT_EQ(passes_whole, 0);
  EXPECT_GT(spills, 20);
  // Two runs at a time: each pass removes one run, until two are left for the last merge.
  EXPECT_EQ(passes, spills - 2);
  EXPECT_EQ(whole, merged);
  for (int i = 0; i < spills + passes; ++i) {
    EXPECT_FALSE(fs::exists(dir / ("b.spill" + std::to_string(i)))) << "spill " << i;
  }
}

TEST(MapOutputWriter, ARecordBiggerThanTheBufferGoesThrough) {
  TempDir dir;
  HashPartitioner partitioner;
  runtime::TaskContextImpl context(Params(), "map", 0);
  MapOutputWriter writer(dir / "big", 2, partitioner, nullptr, context, 4096, 2);
  const std::string big(10000, 'v');
  writer.Emit("a", "1");
  writer.Emit("b", big);
  writer.Emit("c", "2");
  const PartitionIndex index = writer.Commit().index;
  std::map<std::string, std::string> seen;
  for (int p = 0; p < 2; ++p) {
    auto run = OpenFileRun(dir / "big", index[p], index[p + 1] - index[p], 4096);
    while (run->Next()) seen[std::string(run->key())] = std::string(run->value());
  }
  EXPECT_EQ(seen, (std::map<std::string, std::string>{{"a", "1"}, {"b", big}, {"c", "2"}}));
}

TEST(RunMerger, FirstMergeLeavesOnlyFullMerges) {
  EXPECT_EQ(FirstMergeWidth(3, 4, 4), 0u);
  EXPECT_EQ(FirstMergeWidth(4, 4, 4), 0u);
  EXPECT_EQ(FirstMergeWidth(5, 4, 4), 2u);   // 5 -> 4
  EXPECT_EQ(FirstMergeWidth(7, 4, 4), 4u);   // 7 -> 4
  EXPECT_EQ(FirstMergeWidth(8, 4, 4), 2u);   // 8 -> 7 -> 4
  EXPECT_EQ(FirstMergeWidth(10, 4, 4), 4u);  // 10 -> 7 -> 4
  EXPECT_EQ(FirstMergeWidth(100, 2, 2), 2u);
}

// Sorted single-partition runs of "k<i>" keys, i from a seeded generator, value "1".
std::vector<RunFile> MakeRuns(const TempDir& dir, int count, std::multiset<std::string>* all) {
  std::mt19937 random(7);
  std::vector<RunFile> runs;
  for (int r = 0; r < count; ++r) {
    std::multiset<std::string> keys;
    for (int i = 0, n = 1 + int(random() % 200); i < n; ++i) {
      keys.insert("k" + std::to_string(random() % 1000));
    }
    RunWriter writer(dir / ("run" + std::to_string(r)), 1);
    writer.StartPartition(0);
    for (const std::string& key : keys) writer.Emit(key, "1");
    runs.push_back(writer.Commit());
    all->insert(keys.begin(), keys.end());
  }
  return runs;
}

std::multiset<std::string> ReadKeys(std::vector<std::unique_ptr<RecordSource>> sources) {
  std::multiset<std::string> keys;
  std::string previous;
  MergeGroups(std::move(sources), [&](std::string_view key, ValueIterator& values) {
    EXPECT_LT(previous, std::string(key));
    previous = key;
    std::string_view value;
    while (values.Next(&value)) keys.insert(std::string(key));
  });
  return keys;
}

TEST(RunMerger, MergeDownComesToTheTargetKeepingEveryRecord) {
  TempDir dir;
  std::multiset<std::string> all;
  std::vector<RunFile> runs = MakeRuns(dir, 23, &all);
  int names = 0;
  const int merges = MergeDown(&runs, 5, 5, 4096, [&] { return dir / ("m" + std::to_string(names++)); });
  EXPECT_EQ(runs.size(), 5u);
  EXPECT_EQ(merges, 5);  // 23 -> 21 -> 17 -> 13 -> 9 -> 5
  std::vector<std::unique_ptr<RecordSource>> sources;
  for (const RunFile& run : runs) sources.push_back(OpenFileRun(run.path, 0, run.size(), 4096));
  EXPECT_EQ(ReadKeys(std::move(sources)), all);
  for (int r = 0; r < 23; ++r) {
    const bool kept = std::any_of(runs.begin(), runs.end(), [&](const RunFile& run) {
      return run.path == dir / ("run" + std::to_string(r));
    });
    EXPECT_EQ(fs::exists(dir / ("run" + std::to_string(r))), kept) << "run " << r;
  }
}

// A segment of `count` records with keys key<first>, key<first + 1>, ...
std::string Sequence(int first, int count, std::multiset<std::string>* all) {
  std::vector<std::string> keys;
  for (int i = 0; i < count; ++i) keys.push_back("key" + std::to_string(first + i));
  std::sort(keys.begin(), keys.end());
  std::string bytes;
  for (const std::string& key : keys) AppendRecord(&bytes, key, "1");
  if (all) all->insert(keys.begin(), keys.end());
  return bytes;
}

// Segments of records as map tasks would send them: sorted runs of "k<i>" keys.
std::vector<std::string> MakeSegments(int count, int max_records, std::multiset<std::string>* all) {
  std::mt19937 random(11);
  std::vector<std::string> segments;
  for (int s = 0; s < count; ++s) {
    std::multiset<std::string> keys;
    for (int i = 0, n = 1 + int(random() % max_records); i < n; ++i) {
      keys.insert("key" + std::to_string(random() % 5000));
    }
    std::string bytes;
    for (const std::string& key : keys) AppendRecord(&bytes, key, "1");
    segments.push_back(bytes);
    all->insert(keys.begin(), keys.end());
  }
  return segments;
}

TEST(ShuffleBuffer, KeepsSmallShufflesInMemory) {
  TempDir dir;
  std::multiset<std::string> all;
  ShuffleBuffer buffer(dir / "r", 64 << 20, 4);
  for (const std::string& segment : MakeSegments(50, 100, &all)) buffer.Add(segment);
  EXPECT_EQ(ReadKeys(buffer.TakeSources()), all);
  const ShuffleBuffer::Stats stats = buffer.stats();
  EXPECT_EQ(stats.memory_spills + stats.direct_to_disk + stats.merge_passes, 0);
  EXPECT_TRUE(fs::is_empty(dir / ""));
}

TEST(ShuffleBuffer, SpillsBeyondItsBudgetAndMergesTheRunsInPasses) {
  TempDir dir;
  std::multiset<std::string> all;
  std::vector<std::string> segments = MakeSegments(500, 800, &all);
  // A segment bigger than a quarter of what the budget leaves for segments.
  segments.insert(segments.begin() + 100, Sequence(10000, 6000, &all));
  const uint64_t budget = 256 << 10;
  {
    ShuffleBuffer buffer(dir / "r", budget, 3);
    uint64_t total = 0;
    for (const std::string& segment : segments) {
      // Fetched in pieces, as the fetch loop receives them.
      std::unique_ptr<ShuffleBuffer::Segment> s = buffer.Begin();
      for (size_t at = 0; at < segment.size(); at += 1000) {
        s->Append(std::string_view(segment).substr(at, 1000));
      }
      s->Finish();
      total += segment.size();
    }
    std::vector<std::unique_ptr<RecordSource>> sources = buffer.TakeSources();
    size_t files = 0;
    for (const auto& entry : fs::directory_iterator(dir / "")) files += entry.is_regular_file();
    EXPECT_LE(files, 3u) << "the final merge opens at most merge_factor files";
    EXPECT_EQ(ReadKeys(std::move(sources)), all);
    const ShuffleBuffer::Stats stats = buffer.stats();
    EXPECT_EQ(uint64_t(stats.bytes), total);
    EXPECT_GT(stats.memory_spills, 5);
    EXPECT_EQ(stats.direct_to_disk, 1);
    EXPECT_GT(stats.merge_passes, 2);
  }
  EXPECT_TRUE(fs::is_empty(dir / "")) << "the buffer removes its files";
}

TEST(ShuffleBuffer, AFinishedSegmentGivesBackWhatItReservedBeyondItsSize) {
  // A 1 MiB budget with a merge factor of 4 leaves 768 KiB for segments. Eight segments of 71.5
  // KB, fetched in pieces of 1,000 bytes, each grow to 128,000 bytes: 1 MB if they kept it.
  TempDir dir;
  std::multiset<std::string> all;
  ShuffleBuffer buffer(dir / "r", 1 << 20, 4);
  for (int s = 0; s < 8; ++s) {
    const std::string segment = Sequence(1000000 * (s + 1), 5500, &all);
    ASSERT_GT(segment.size(), 64000u);
    ASSERT_LT(segment.size(), 96000u);
    std::unique_ptr<ShuffleBuffer::Segment> fetched = buffer.Begin();
    for (size_t at = 0; at < segment.size(); at += 1000) {
      fetched->Append(std::string_view(segment).substr(at, 1000));
    }
    fetched->Finish();
  }
  EXPECT_EQ(buffer.stats().memory_spills, 0);
  EXPECT_EQ(buffer.stats().direct_to_disk, 0);
  EXPECT_EQ(ReadKeys(buffer.TakeSources()), all);
}

TEST(ShuffleBuffer, TakesSegmentsFromSeveralFetchesAtOnce) {
  TempDir dir;
  std::multiset<std::string> all;
  std::vector<std::string> segments = MakeSegments(400, 300, &all);
  ShuffleBuffer buffer(dir / "r", 128 << 10, 4);
  std::vector<std::thread> fetches;
  for (int t = 0; t < 5; ++t) {
    fetches.emplace_back([&, t] {
      for (size_t s = t; s < segments.size(); s += 5) {
        std::unique_ptr<ShuffleBuffer::Segment> segment = buffer.Begin();
        for (size_t at = 0; at < segments[s].size(); at += 512) {
          segment->Append(std::string_view(segments[s]).substr(at, 512));
        }
        segment->Finish();
      }
    });
  }
  for (std::thread& fetch : fetches) fetch.join();
  EXPECT_EQ(ReadKeys(buffer.TakeSources()), all);
  EXPECT_GT(buffer.stats().memory_spills, 0);
}

TEST(ShuffleBuffer, DropsASegmentNeverFinished) {
  TempDir dir;
  std::multiset<std::string> all;
  std::vector<std::string> segments = MakeSegments(2, 2000, &all);
  ShuffleBuffer buffer(dir / "r", 64 << 10, 2);
  {
    // Fetches that fail half-way, in memory and on disk.
    std::unique_ptr<ShuffleBuffer::Segment> failed = buffer.Begin();
    failed->Append(std::string_view(segments[0]).substr(0, 100));
    std::unique_ptr<ShuffleBuffer::Segment> failed_on_disk = buffer.Begin();
    failed_on_disk->Append(Sequence(0, 3000, nullptr));
    EXPECT_FALSE(fs::is_empty(dir / ""));
  }
  EXPECT_TRUE(fs::is_empty(dir / ""));
  buffer.Add(segments[0]);
  buffer.Add(segments[1]);
  EXPECT_EQ(ReadKeys(buffer.TakeSources()), all);
}

}  // namespace
}  // namespace minimr::shuffle
