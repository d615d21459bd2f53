// Typed mappers, combiners and reducers: input fields parsed, map output encoded and decoded,
// reduce output written as text.
#include "minimr/typed.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <tuple>

#include "minimr/testing.h"
#include "tests/common/temp_dir.h"

namespace minimr {
namespace {

using testing::JobHarness;
using testing::Records;

// What Run() or RunMapper() threw, or "" if nothing.
template <class F>
std::string ErrorOf(F run) {
  try {
    run();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A file in a directory of its own, removed with the object.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& text)
      : dir_(name), path_(dir_.path() / name) {
    std::ofstream(path_) << text;
  }
  std::string path() const { return path_.string(); }

 private:
  testing::TempDir dir_;
  std::filesystem::path path_;
};

// "KEY VALUE" lines: emits the value under the key.
class PairMapper : public TypedMapper<Fields<std::string_view, int64_t>, std::string, int64_t> {
 public:
  void Map(const Input& line, Out& out) override { out.Emit(std::get<0>(line), std::get<1>(line)); }
};

class SumReducer : public TypedReducer<std::string_view, int64_t> {
 public:
  void Reduce(const std::string_view& key, Values& values, Out& out) override {
    int64_t sum = 0;
    for (int64_t v : values) sum += v;
    out.Emit(key, sum);
  }
};

class SumCombiner : public TypedCombiner<std::string_view, int64_t> {
 public:
  void Reduce(const std::string_view& key, Values& values, Out& out) override {
    int64_t sum = 0;
    for (int64_t v : values) sum += v;
    out.Emit(key, sum);
  }
};

Records Lines(std::initializer_list<std::string> lines) {
  Records records;
  size_t offset = 0;
  for (const std::string& line : lines) {
    records.emplace_back(std::to_string(offset), line);
    offset += line.size() + 1;
  }
  return records;
}

TEST(TypedFields, WhitespaceSeparatesFieldsAndBlankLinesAreSkipped) {
  auto result = JobHarness(MakeJob<PairMapper, SumReducer>())
                    .MapTask(Lines({"a 1", "  b\t-2  ", "", " \t", "a 40"}))
                    .RunMapper();
  auto pairs = testing::DecodeRecords<std::string, int64_t>(result.records);
  std::vector<std::pair<std::string, int64_t>> expected = {{"a", 1}, {"b", -2}, {"a", 40}};
  EXPECT_EQ(pairs, expected);
  EXPECT_EQ(result.counters.Get("map.input.blank_lines"), 2);
  EXPECT_EQ(result.counters.Get("map.input.records"), 5);
}

// Comma-separated: every comma separates, so fields may be empty.
class CsvMapper
    : public TypedMapper<Fields<std::string_view, std::string, double>, std::string, double> {
 public:
  CsvMapper() { SetFieldDelimiter(','); }
  void Map(const Input& line, Out& out) override {
    const auto& [a, b, x] = line;
    out.Emit(std::string(a) + "|" + b, x);
  }
};

TEST(TypedFields, AChosenDelimiterSeparatesEveryField) {
  auto result = JobHarness(MakeJob<CsvMapper, SumReducer>())
                    .MapTask(Lines({"a,,1.5", ",b c,-2e3", "x,y,inf"}))
                    .RunMapper();
  auto pairs = testing::DecodeRecords<std::string, double>(result.records);
  std::vector<std::pair<std::string, double>> expected = {
      {"a|", 1.5}, {"|b c", -2000}, {"x|y", std::numeric_limits<double>::infinity()}};
  EXPECT_EQ(pairs, expected);
}

TEST(TypedFields, AFieldThatDoesNotParseNamesTheFileOffsetAndField) {
  TempFile file("typed-fields", "a 1\nb 2x\n");
  std::string error =
      ErrorOf([&] { JobHarness(MakeJob<PairMapper, SumReducer>()).Files({file.path()}).Run(); });
  EXPECT_TRUE(Contains(error, file.path() + ", byte offset 4: field 2 of 2 (int64): '2x' is not "
                                            "a decimal integer; the line: 'b 2x'"))
      << error;
}

TEST(TypedFields, AWrongNumberOfFieldsIsNamedWithTheTypesExpected) {
  TempFile file("typed-count", "a 1 2\n");
  std::string error =
      ErrorOf([&] { JobHarness(MakeJob<PairMapper, SumReducer>()).Files({file.path()}).Run(); });
  EXPECT_TRUE(Contains(error, file.path() + ", byte offset 0: 3 fields, expected 2 (string, "
                                            "int64); the line: 'a 1 2'"))
      << error;
  error = ErrorOf(
      [&] { JobHarness(MakeJob<PairMapper, SumReducer>()).MapTask(Lines({"a"})).RunMapper(); });
  EXPECT_TRUE(Contains(error, "input record with key '0': 1 field, expected 2")) << error;
}

class SmallIntMapper : public TypedMapper<Fields<int32_t, uint8_t>, int32_t, int64_t> {
 public:
  void Map(const Input& line, Out& out) override { out.Emit(std::get<0>(line), std::get<1>(line)); }
};

TEST(TypedFields, IntegersOutOfTheirTypesRangeAreRefused) {
  auto run = [](std::string line) {
    return ErrorOf([&] {
      JobHarness(MakeJob<SmallIntMapper, SumReducer>()).MapTask(Lines({line})).RunMapper();
    });
  };
  EXPECT_EQ(run("-2147483648 255"), "");
  EXPECT_TRUE(Contains(run("2147483648 1"), "field 1 of 2 (int32): '2147483648' is out of range"));
  EXPECT_TRUE(Contains(run("1 256"), "field 2 of 2 (uint8): '256' is out of range"));
  EXPECT_TRUE(Contains(run("1 -1"), "field 2 of 2 (uint8): '-1' is not a decimal integer"));
  EXPECT_TRUE(Contains(run("+1 1"), "'+1' is not a decimal integer"));
  // Too large and then not a digit: not a number at all, whatever its first digits.
  EXPECT_TRUE(Contains(run("99999999999x 1"), "'99999999999x' is not a decimal integer"));
}

// The raw line, untouched.
class LineMapper : public TypedMapper<std::string_view, std::string_view, int64_t> {
 public:
  void Map(const std::string_view& line, Out& out) override {
    out.Emit(line, static_cast<int64_t>(line.size()));
  }
};

TEST(Typed, AStringViewInputIsTheWholeLine) {
  auto result =
      JobHarness(MakeJob<LineMapper, SumReducer>()).MapTask(Lines({"  a b  ", ""})).RunMapper();
  auto pairs = testing::DecodeRecords<std::string, int64_t>(result.records);
  std::vector<std::pair<std::string, int64_t>> expected = {{"  a b  ", 7}, {"", 0}};
  EXPECT_EQ(pairs, expected);
}

// Numbers as keys: the reducer writes each key with how many values it had.
class NumberMapper : public TypedMapper<Fields<int64_t, double>, int64_t, double> {
 public:
  void Map(const Input& line, Out& out) override {
    out.Emit(std::get<0>(line), std::get<1>(line));
    out.Emit(-std::get<0>(line), -std::get<1>(line));
  }
};

class NumberReducer : public TypedReducer<int64_t, double> {
 public:
  void Reduce(const int64_t& key, Values& values, Out& out) override {
    for (double v : values) out.Emit(key, v);
  }
};

TEST(Typed, IntegerKeysReachTheReducerInNumericOrder) {
  auto result = JobHarness(MakeJob<NumberMapper, NumberReducer>())
                    .MapTask(Lines({"10 0.5", "2 -1e300", "1000 3", "0 0"}))
                    .Run();
  Records expected = {{"-1000", "-3"}, {"-10", "-0.5"},  {"-2", "1e+300"}, {"0", "0"},
                      {"0", "-0"},     {"2", "-1e+300"}, {"10", "0.5"},    {"1000", "3"}};
  EXPECT_EQ(result.All(), expected);
}

TEST(Typed, ReduceOutputIsTextWithSpacesBetweenTupleElements) {
  std::string text;
  TextFormat<std::tuple<int64_t, double, std::string, uint8_t>>::Append(
      std::tuple(std::numeric_limits<int64_t>::min(), 0.1, "x y", 255), text);
  EXPECT_EQ(text, "-9223372036854775808 0.1 x y 255");
  auto format = [](double v) {
    std::string out;
    TextFormat<double>::Append(v, out);
    return out;
  };
  EXPECT_EQ(format(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(format(1e100), "1e+100");
  EXPECT_EQ(format(-0.0), "-0");
  EXPECT_EQ(format(2), "2");
  EXPECT_EQ(format(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(format(std::nan("")), "nan");
}

// Keys are pairs given as views and braces; the combiner and reducer see them decoded.
class PairKeyMapper : public TypedMapper<Fields<std::string_view, int64_t>,
                                         std::pair<std::string, int64_t>, int64_t> {
 public:
  void Map(const Input& line, Out& out) override {
    const auto& [word, n] = line;
    out.Emit(std::pair(word, n % 2), 1);
    out.Emit({"total", 0}, n);
  }
};

class PairKeyReducer : public TypedReducer<std::pair<std::string, int64_t>, int64_t> {
 public:
  void Reduce(const std::pair<std::string, int64_t>& key, Values& values, Out& out) override {
    int64_t sum = 0;
    int64_t v;
    while (values.Next(&v)) sum += v;
    out.Emit(key, sum);
  }
};

TEST(Typed, TupleKeysTakeViewsAndBracesAndComeOutAsColumns) {
  auto result = JobHarness(MakeJob<PairKeyMapper, PairKeyReducer>())
                    .MapTask(Lines({"b 3", "a 2", "b 5", "a 7"}))
                    .Run();
  Records expected = {{"a 0", "1"}, {"a 1", "1"}, {"b 1", "2"}, {"total 0", "17"}};
  EXPECT_EQ(result.All(), expected);
}

TEST(Typed, ACombinerChangesNothingButTheRecordCount) {
  Records input = Lines({"a 1", "b 2", "a 3", "a 4", "c 5", "b 6"});
  auto plain = JobHarness(MakeJob<PairMapper, SumReducer>()).MapTask(input).Run();
  auto combined =
      JobHarness(MakeJob<PairMapper, SumReducer>().Combiner<SumCombiner>()).MapTask(input).Run();
  Records expected = {{"a", "8"}, {"b", "8"}, {"c", "5"}};
  EXPECT_EQ(plain.All(), expected);
  EXPECT_EQ(combined.All(), expected);
  EXPECT_EQ(combined.counters.Get("combine.input.records"), 6);
  EXPECT_EQ(combined.counters.Get("combine.output.records"), 3);
}

TEST(Typed, AReducerCannotBeACombinerNorACombinerAReducer) {
  std::string error = ErrorOf([] {
    JobHarness(MakeJob<PairMapper, SumReducer>().Combiner<SumReducer>())
        .MapTask(Lines({"a 1"}))
        .Run();
  });
  EXPECT_TRUE(Contains(error, "cannot be a combiner")) << error;
  error =
      ErrorOf([] { JobHarness(MakeJob<PairMapper, SumCombiner>()).MapTask(Lines({"a 1"})).Run(); });
  EXPECT_TRUE(Contains(error, "cannot be a job's reducer")) << error;
}

class Int32Mapper : public TypedMapper<Fields<std::string_view, int32_t>, std::string, int32_t> {
 public:
  void Map(const Input& line, Out& out) override { out.Emit(std::get<0>(line), std::get<1>(line)); }
};

TEST(Typed, MapOutputOfAnotherTypeFailsNamingTheKey) {
  std::string error =
      ErrorOf([] { JobHarness(MakeJob<Int32Mapper, SumReducer>()).MapTask(Lines({"k 1"})).Run(); });
  EXPECT_TRUE(Contains(error, "reducer: a value of key 'k': cannot decode int64 from 4 bytes"))
      << error;
  EXPECT_TRUE(Contains(error, "reducer's V")) << error;
}

// Reads a parameter in Setup() and counts in Finish().
class ThresholdMapper
    : public TypedMapper<Fields<std::string_view, int64_t>, std::string, int64_t> {
 public:
  void Setup() override { threshold_ = context().params().GetInt("threshold", 0); }
  void Map(const Input& line, Out& out) override {
    if (std::get<1>(line) >= threshold_) out.Emit(std::get<0>(line), std::get<1>(line));
    ++seen_;
  }
  void Finish(Out& out) override {
    context().counters().Add("test.seen", seen_);
    out.Emit("finished", seen_);
  }

 private:
  int64_t threshold_ = 0;
  int64_t seen_ = 0;
};

TEST(Typed, SetupAndFinishSeeTheTaskContext) {
  JobDefinition job = MakeJob<ThresholdMapper, SumReducer>();
  job.Param("threshold", "0", "smallest value kept");
  auto result = JobHarness(job).Param("threshold", "5").MapTask(Lines({"a 4", "b 5", "c 6"})).Run();
  Records expected = {{"b", "5"}, {"c", "6"}, {"finished", "3"}};
  EXPECT_EQ(result.All(), expected);
  EXPECT_EQ(result.counters.Get("test.seen"), 3);
}

}  // namespace
}  // namespace minimr
