// minimr::testing::JobHarness: a job run in-process the way the runtime runs it.
#include "minimr/testing.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "minimr/job.h"
#include "minimr/sum_reducer.h"
#include "tests/common/temp_dir.h"

namespace minimr {
namespace {

using testing::JobHarness;
using testing::JobOutput;
using testing::Records;

Records Sorted(Records records) {
  std::sort(records.begin(), records.end());
  return records;
}

// Emits each word of a line with "1"; counts its Setup calls.
class WordMapper : public Mapper {
 public:
  void Setup(TaskContext& context) override { context.counters().Add("test.map_setups", 1); }
  void Map(std::string_view, std::string_view line, Emitter& out) override {
    size_t start = 0;
    while (start < line.size()) {
      size_t end = line.find(' ', start);
      if (end == std::string_view::npos) end = line.size();
      if (end > start) out.Emit(line.substr(start, end - start), "1");
      start = end + 1;
    }
  }
};

JobDefinition WordCount() { return MakeJob<WordMapper, SumReducer>(); }
JobDefinition CombinedWordCount() {
  return MakeJob<WordMapper, SumReducer>().Combiner<SumReducer>();
}

const Records kText = {{"0", "the cat and the hat"}, {"20", "the end"}, {"28", "a cat a hat a"}};

TEST(Harness, RunsMapperAndReducerOverRecords) {
  JobOutput result = JobHarness(WordCount()).MapTask(kText).Run();
  Records expected = {{"a", "3"},   {"and", "1"}, {"cat", "2"},
                      {"end", "1"}, {"hat", "2"}, {"the", "3"}};
  ASSERT_EQ(result.partitions.size(), 1u);
  EXPECT_EQ(result.partitions[0], expected);
  EXPECT_EQ(result.All(), expected);
}

TEST(Harness, ACombinerAndSeveralReducersGiveWhatOneReducerGives) {
  Records one = JobHarness(WordCount()).MapTask(kText).Run().All();
  for (int reducers : {1, 2, 3, 7}) {
    for (size_t spill : {0, 1, 2, 5}) {
      JobHarness harness(CombinedWordCount());
      harness.ReduceTasks(reducers).SpillEvery(spill);
      for (const auto& record : kText) harness.MapTask({record});
      JobOutput result = harness.Run();
      EXPECT_EQ(result.partitions.size(), size_t(reducers));
      EXPECT_EQ(Sorted(result.All()), one) << reducers << " reducers, spill every " << spill;
    }
  }
}

TEST(Harness, EachKeyGoesToThePartitionThePartitionerChooses) {
  JobOutput result = JobHarness(WordCount()).MapTask(kText).ReduceTasks(4).Run();
  HashPartitioner partitioner;
  std::set<std::string> keys;
  for (int p = 0; p < 4; ++p) {
    const Records& partition = result.partitions[p];
    for (size_t i = 0; i < partition.size(); ++i) {
      EXPECT_EQ(partitioner.Partition(partition[i].first, 4), p) << partition[i].first;
      if (i > 0) {
        EXPECT_LT(partition[i - 1].first, partition[i].first);
      }
      keys.insert(partition[i].first);
    }
  }
  EXPECT_EQ(keys.size(), 6u);
}

class ToPartitionFive : public Partitioner {
 public:
  int Partition(std::string_view, int) override { return 5; }
};

TEST(Harness, APartitionOutOfRangeIsRefused) {
  JobDefinition job = WordCount();
  job.partitioner = [] { return std::make_unique<ToPartitionFive>(); };
  try {
    JobHarness(job).MapTask(kText).ReduceTasks(2).Run();
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "the partitioner sent key 'the' to partition 5 of 2");
  }
}

TEST(Harness, CountsWhatTheRuntimeCounts) {
  JobOutput result = JobHarness(CombinedWordCount())
                         .MapTask({kText[0], kText[1]})
                         .MapTask({kText[2]})
                         .ReduceTasks(2)
                         .Run();
  const Counters& c = result.counters;
  EXPECT_EQ(c.Get("test.map_setups"), 2);
  EXPECT_EQ(c.Get("map.input.records"), 3);
  EXPECT_EQ(c.Get("map.output.records"), 12);
  EXPECT_EQ(c.Get("combine.input.records"), 12);
  // Map task 0: the cat and hat end; map task 1: a cat hat.
  EXPECT_EQ(c.Get("combine.output.records"), 8);
  EXPECT_EQ(c.Get("reduce.input.groups"), 6);
  EXPECT_EQ(c.Get("reduce.output.records"), 6);
  EXPECT_EQ(c.Get("map.spills"), 0);
}

TEST(Harness, SpillsCombineEachSpillAndThenTheMergedSpills) {
  JobOutput result = JobHarness(CombinedWordCount()).MapTask({kText[2]}).SpillEvery(2).Run();
  // "a cat a hat a": spills {a, cat} {a, hat} {a}, then a:3 cat:1 hat:1.
  EXPECT_EQ(result.counters.Get("map.spills"), 3);
  EXPECT_EQ(result.counters.Get("combine.input.records"), 5);
  EXPECT_EQ(result.counters.Get("combine.output.records"), 3);
  Records expected = {{"a", "3"}, {"cat", "1"}, {"hat", "1"}};
  EXPECT_EQ(result.All(), expected);
}

// Each file split is one map task, read through the job's InputFormat; every line is read once.
TEST(Harness, FilesAreCutIntoSplitsAsTheRuntimeCutsThem) {
  const testing::TempDir temp("harness");
  const std::filesystem::path& dir = temp.path();
  std::ofstream(dir / "a.txt") << "the cat and the hat\nthe end\n";
  std::ofstream(dir / "b.txt") << "a cat a hat a";
  std::ofstream(dir / "empty.txt");
  std::vector<std::string> paths = {dir / "a.txt", dir / "b.txt", dir / "empty.txt"};
  Records whole = JobHarness(WordCount()).MapTask(kText).Run().All();
  for (uint64_t split : {0, 1, 3, 7, 20, 1000}) {
    JobOutput result = JobHarness(WordCount()).Files(paths, split).Run();
    EXPECT_EQ(result.All(), whole) << "split size " << split;
    int64_t tasks = split == 0 ? 2 : (28 + split - 1) / split + (13 + split - 1) / split;
    EXPECT_EQ(result.counters.Get("test.map_setups"), tasks) << "split size " << split;
    EXPECT_EQ(result.counters.Get("map.input.records"), 3) << "split size " << split;
    // Readers of later splits read the partial line they start in, so count more bytes.
    if (split == 0 || split >= 28) {
      EXPECT_EQ(result.counters.Get("map.input.bytes"), 28 + 13);
    }
  }
}

TEST(Harness, AFileThatCannotBeReadIsNamed) {
  try {
    JobHarness(WordCount()).Files({"/nonexistent/minimr-input"}).Run();
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/minimr-input: cannot read input"),
              std::string::npos)
        << e.what();
  }
}

// Emits the parameter `greeting` for each record; refuses an empty one.
class GreetingMapper : public Mapper {
 public:
  void Setup(TaskContext& context) override {
    greeting_ = context.params().GetString("greeting", "?");
  }
  void Map(std::string_view, std::string_view, Emitter& out) override { out.Emit(greeting_, "1"); }

 private:
  std::string greeting_;
};

JobDefinition Greeting() {
  JobDefinition job = MakeJob<GreetingMapper, SumReducer>();
  job.Param("greeting", "hello", "what to emit");
  job.validate = [](const Params& params) {
    if (params.GetString("greeting", "").empty()) throw ParamError("params.greeting: empty");
  };
  return job;
}

TEST(Harness, ParametersTakeTheJobsDefaultsAndItsValidation) {
  EXPECT_EQ(JobHarness(Greeting()).MapTask(kText).Run().All(), (Records{{"hello", "3"}}));
  EXPECT_EQ(JobHarness(Greeting()).Param("greeting", "hi").MapTask(kText).Run().All(),
            (Records{{"hi", "3"}}));
  EXPECT_THROW(JobHarness(Greeting()).Param("greeting", "").MapTask(kText).Run(), ParamError);
  try {
    JobHarness(Greeting(), "greet").Param("colour", "red").MapTask(kText).Run();
    FAIL() << "expected an error";
  } catch (const ParamError& e) {
    EXPECT_EQ(std::string(e.what()),
              "params.colour: job 'greet' has no such parameter (it takes: greeting)");
  }
}

TEST(Harness, RunMapperGivesWhatTheMapperEmittedInOrder) {
  testing::MapperOutput result =
      JobHarness(WordCount()).MapTask({kText[1]}).MapTask({kText[0]}).RunMapper();
  Records expected = {{"the", "1"}, {"end", "1"}, {"the", "1"}, {"cat", "1"},
                      {"and", "1"}, {"the", "1"}, {"hat", "1"}};
  EXPECT_EQ(result.records, expected);
  EXPECT_EQ(result.counters.Get("map.output.records"), 7);
  EXPECT_EQ(result.counters.Get("test.map_setups"), 2);
}

TEST(Harness, RegisteredJobsAreFoundByName) {
  Records expected = {{"a", "3"},   {"and", "1"}, {"cat", "2"},
                      {"end", "1"}, {"hat", "2"}, {"the", "3"}};
  EXPECT_EQ(JobHarness::ForJob("wordcount").MapTask(kText).Run().All(), expected);
  EXPECT_THROW(JobHarness::ForJob("no-such-job"), std::runtime_error);
}

}  // namespace
}  // namespace minimr
