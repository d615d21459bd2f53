// The pi job's mapper over byte-range splits: the counts do not depend on where the splits fall.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>

#include "framework/src/runtime/job_plan.h"
#include "framework/src/runtime/task_context_impl.h"
#include "minimr/count_blocks.h"
#include "minimr/job.h"
#include "tests/common/temp_dir.h"

namespace minimr {
namespace {

namespace fs = std::filesystem;

// The mapper's count blocks (minimr/count_blocks.h), summed and keyed by their n digits.
class Collect : public Emitter {
 public:
  void Emit(std::string_view key, std::string_view value) override {
    blocks[std::string(key)].push_back(std::string(value));
  }
  std::map<std::string, uint64_t> Counts(int n) {
    struct Values : ValueIterator {
      const std::vector<std::string>* values;
      size_t next = 0;
      bool Next(std::string_view* value) override {
        if (next == values->size()) return false;
        *value = (*values)[next++];
        return true;
      }
    };
    std::map<std::string, uint64_t> counts;
    CountBlocks reader;
    std::vector<KeyCount> summed;
    for (const auto& [key, values] : blocks) {
      Values it;
      it.values = &values;
      reader.Sum(key, it, summed);
      for (const KeyCount& kc : summed) {
        std::string digits = std::to_string(kc.key);
        counts[std::string(n - digits.size(), '0') + digits] += kc.count;
      }
    }
    return counts;
  }
  std::map<std::string, std::vector<std::string>> blocks;
};

std::map<std::string, uint64_t> NaiveCounts(const std::string& digits, int n) {
  std::map<std::string, uint64_t> counts;
  for (size_t i = 0; i + n <= digits.size(); ++i) counts[digits.substr(i, n)]++;
  return counts;
}

// Runs the registered pidigits job's map side over every split of `paths`.
std::map<std::string, uint64_t> MapAllSplits(const std::vector<std::string>& paths,
                                             uint64_t split_size, int n, bool continuous,
                                             int64_t* invalid) {
  const JobDefinition* job = FindJob("pidigits");
  runtime::JobPlan plan = runtime::PlanJob(paths, split_size);
  Params params({{"n", std::to_string(n)}, {"continuous", continuous ? "true" : "false"}});
  Collect out;
  *invalid = 0;
  for (size_t i = 0; i < plan.splits.size(); ++i) {
    runtime::TaskContextImpl context(params, "map", static_cast<int>(i));
    context.SetInput(&plan.files, plan.splits[i]);
    auto reader = job->input_format()->Open(plan.files, plan.splits[i], context);
    context.SetReader(reader.get());
    auto mapper = job->mapper();
    mapper->Setup(context);
    std::string_view key, value;
    while (reader->Next(&key, &value)) mapper->Map(key, value, out);
    mapper->Finish(out);
    *invalid += context.counters().Get("pidigits.invalid_bytes");
  }
  return out.Counts(n);
}

class PiDigitsSplits : public ::testing::Test {
 protected:
  void SetUp() override {
    temp_ = std::make_unique<testing::TempDir>("pisplits");
    dir_ = temp_->path();
    std::mt19937 random(7);
    // Three files of digits in Kanada's layout, with a stray letter and CRLF line ends.
    for (int f = 0; f < 3; ++f) {
      std::string digits, text;
      for (int i = 0; i < 1000 + 337 * f; ++i) {
        char d = static_cast<char>('0' + random() % 10);
        digits += d;
        text += d;
        if (i % 10 == 9) text += (i % 100 == 99) ? "\r\n" : " ";
        if (i == 555) text += 'x';
      }
      per_file_.push_back(digits);
      all_ += digits;
      paths_.push_back((dir_ / ("part" + std::to_string(f))).string());
      std::ofstream(paths_.back()) << text;
    }
  }
  void TearDown() override { temp_.reset(); }

  std::unique_ptr<testing::TempDir> temp_;
  fs::path dir_;
  std::vector<std::string> paths_;
  std::vector<std::string> per_file_;
  std::string all_;
};

TEST_F(PiDigitsSplits, CountsAreExactForEverySplitSizeAndN) {
  for (int n : {1, 2, 3, 5, 6, 8}) {
    for (uint64_t split_size : {1, 3, 64, 999, 0}) {
      int64_t invalid = 0;
      auto counts = MapAllSplits(paths_, split_size, n, true, &invalid);
      EXPECT_EQ(counts, NaiveCounts(all_, n)) << "n=" << n << " split size " << split_size;
      EXPECT_EQ(invalid, 3) << "n=" << n << " split size " << split_size;
    }
  }
}

TEST_F(PiDigitsSplits, NotContinuousCountsEachFileOnItsOwn) {
  std::map<std::string, uint64_t> expected;
  for (const auto& digits : per_file_) {
    for (const auto& [key, count] : NaiveCounts(digits, 4)) expected[key] += count;
  }
  int64_t invalid = 0;
  EXPECT_EQ(MapAllSplits(paths_, 100, 4, false, &invalid), expected);
}

}  // namespace
}  // namespace minimr
