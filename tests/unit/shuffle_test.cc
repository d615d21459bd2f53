#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>

#include "framework/src/runtime/task_context_impl.h"
#include "framework/src/shuffle/map_output.h"
#include "framework/src/shuffle/merger.h"
#include "framework/src/shuffle/record_format.h"
#include "minimr/sum_reducer.h"

namespace minimr::shuffle {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("minimr-shuffle-test-" + std::to_string(::getpid()));
    fs::create_directories(path_);
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
std::map<std::string, int64_t> WriteAndReadBack(const std::string& path, size_t spill_bytes,
                                                bool combine, int64_t* spills) {
  HashPartitioner partitioner;
  runtime::TaskContextImpl context(Params(), "map", 0);
  std::function<std::unique_ptr<Reducer>()> combiner;
  if (combine) combiner = [] { return std::make_unique<SumReducer>(); };
  MapOutputWriter writer(path, 3, partitioner, combiner, context, spill_bytes);
  std::mt19937 random(42);
  for (int i = 0; i < 20000; ++i) {
    writer.Emit("word" + std::to_string(random() % 500), "1");
  }
  PartitionIndex index = writer.Commit();
  *spills = context.counters().Get("map.spills");
  EXPECT_EQ(index.size(), 4u);
  std::map<std::string, int64_t> totals;
  for (int p = 0; p < 3; ++p) {
    auto run = OpenFileRun(path, index[p], index[p + 1] - index[p]);
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
  EXPECT_EQ(spills_in_memory, 0);
  EXPECT_GT(spills_small, 10);
  EXPECT_EQ(in_memory, spilled);
  EXPECT_EQ(in_memory, uncombined);
  int64_t total = 0;
  for (const auto& [word, count] : in_memory) total += count;
  EXPECT_EQ(total, 20000);
  EXPECT_FALSE(fs::exists(dir / "b.spill0")) << "spill files must be removed";
}

}  // namespace
}  // namespace minimr::shuffle
