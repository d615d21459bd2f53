// The typed API's hot path allocates nothing once warm: parsing fields, encoding what is emitted,
// decoding keys and values, writing text. Its own executable, because it replaces the global
// operator new with one that counts.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "minimr/typed.h"

namespace {
std::atomic<long> allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, std::align_val_t align) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  auto a = static_cast<std::size_t>(align);
  if (void* p = std::aligned_alloc(a, (size + a - 1) / a * a)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace minimr {
namespace {

// Runs `body` `times` times and returns how many allocations it made.
template <class F>
long AllocationsOf(int times, F body) {
  long before = allocations.load();
  for (int i = 0; i < times; ++i) body(i);
  return allocations.load() - before;
}

// Keeps what it is given in fixed storage: the runtime's own buffers are not under test.
class Sink : public Emitter {
 public:
  void Emit(std::string_view key, std::string_view value) override {
    bytes += key.size() + value.size();
    last_key_size = key.size();
  }
  size_t bytes = 0;
  size_t last_key_size = 0;
};

class Context : public TaskContext {
 public:
  explicit Context(std::string phase) : phase_(std::move(phase)) {}
  const Params& params() const override { return params_; }
  Counters& counters() override { return counters_; }
  const std::string& phase() const override { return phase_; }
  int task_index() const override { return 0; }
  const std::string& input_file() const override { return file_; }
  const InputSplit& input_split() const override { return split_; }
  bool past_split_end() const override { return false; }

 private:
  Params params_;
  Counters counters_;
  std::string phase_;
  std::string file_ = "input.txt";
  InputSplit split_;
};

// Values from a fixed list, again and again.
class ListValues : public ValueIterator {
 public:
  explicit ListValues(const std::vector<std::string>& values) : values_(values) {}
  bool Next(std::string_view* value) override {
    if (next_ == values_.size()) return false;
    *value = values_[next_++];
    return true;
  }
  void Rewind() { next_ = 0; }

 private:
  const std::vector<std::string>& values_;
  size_t next_ = 0;
};

// Keys longer than any small-string buffer, so that a copy would have to allocate.
const std::string kLongWord = "a-word-much-longer-than-the-small-string-buffer";

TEST(TypedAllocation, TheCounterSeesAllocations) {
  std::vector<std::string> kept;
  long n = AllocationsOf(10, [&](int) { kept.push_back(kLongWord); });
  EXPECT_GE(n, 10);
}

class FieldsMapper
    : public TypedMapper<Fields<std::string_view, int64_t, double>,
                         std::tuple<std::string, int64_t>, std::pair<double, std::string>> {
 public:
  void Map(const Input& line, Out& out) override {
    const auto& [word, n, x] = line;
    out.Emit(std::tuple(word, n), std::pair(x, word));
  }
};

TEST(TypedAllocation, AMapperParsesFieldsAndEmitsWithoutAllocating) {
  Context context("map");
  FieldsMapper typed;
  Mapper& mapper = typed;  // as the runtime calls it
  mapper.Setup(context);
  Sink sink;
  std::string line = kLongWord + " -12345 6.25";
  mapper.Map("0", line, sink);  // warm-up: the emitter's buffers grow once
  EXPECT_EQ(AllocationsOf(10000, [&](int) { mapper.Map("0", line, sink); }), 0);
  EXPECT_GT(sink.bytes, 10000 * kLongWord.size());
}

class LineMapper : public TypedMapper<std::string_view, std::string_view, uint32_t> {
 public:
  void Map(const Input& line, Out& out) override {
    out.Emit(line, static_cast<uint32_t>(line.size()));
  }
};

TEST(TypedAllocation, AMapperOverRawLinesDoesNotAllocate) {
  Context context("map");
  LineMapper typed;
  Mapper& mapper = typed;
  mapper.Setup(context);
  Sink sink;
  mapper.Map("0", kLongWord, sink);
  EXPECT_EQ(AllocationsOf(10000, [&](int) { mapper.Map("0", kLongWord, sink); }), 0);
  EXPECT_EQ(sink.last_key_size, kLongWord.size());
}

class StatsCombiner : public TypedCombiner<std::string_view, std::tuple<int64_t, double>> {
 public:
  void Reduce(const std::string_view& key, Values& values, Out& out) override {
    int64_t count = 0;
    double sum = 0;
    for (auto [n, s] : values) {
      count += n;
      sum += s;
    }
    out.Emit(key, std::tuple(count, sum));
  }
};

std::vector<std::string> EncodedValues() {
  std::vector<std::string> values;
  for (int i = 0; i < 100; ++i) {
    std::string bytes;
    Codec<std::tuple<int64_t, double>>::Encode(std::tuple(i, i * 0.5), bytes);
    values.push_back(bytes);
  }
  return values;
}

TEST(TypedAllocation, ACombinerDecodesAndEmitsWithoutAllocating) {
  Context context("map");
  StatsCombiner typed;
  Reducer& combiner = typed;
  combiner.Setup(context);
  std::vector<std::string> encoded = EncodedValues();
  ListValues values(encoded);
  Sink sink;
  combiner.Reduce(kLongWord, values, sink);
  EXPECT_EQ(AllocationsOf(1000,
                          [&](int) {
                            values.Rewind();
                            combiner.Reduce(kLongWord, values, sink);
                          }),
            0);
}

class StatsReducer
    : public TypedReducer<std::tuple<int64_t, std::string_view>, std::tuple<int64_t, double>,
                          std::tuple<int64_t, std::string_view>,
                          std::tuple<int64_t, double, double>> {
 public:
  void Reduce(const Key& key, Values& values, Out& out) override {
    int64_t count = 0;
    double sum = 0;
    std::tuple<int64_t, double> value;
    while (values.Next(&value)) {
      count += std::get<0>(value);
      sum += std::get<1>(value);
    }
    out.Emit(key, std::tuple(count, sum, sum / static_cast<double>(count)));
  }
};

TEST(TypedAllocation, AReducerDecodesAndWritesTextWithoutAllocating) {
  Context context("reduce");
  StatsReducer typed;
  Reducer& reducer = typed;
  reducer.Setup(context);
  std::vector<std::string> encoded = EncodedValues();
  ListValues values(encoded);
  std::string key;
  Codec<std::tuple<int64_t, std::string>>::Encode(std::tuple(-7, kLongWord), key);
  Sink sink;
  reducer.Reduce(key, values, sink);
  EXPECT_EQ(AllocationsOf(1000,
                          [&](int) {
                            values.Rewind();
                            reducer.Reduce(key, values, sink);
                          }),
            0);
  EXPECT_EQ(sink.last_key_size, 3 + kLongWord.size());  // "-7\t" and the word
}

TEST(TypedAllocation, DecodingNumbersViewsAndTheirTuplesDoesNotAllocate) {
  std::string i64, f64, u32, tuple;
  Codec<int64_t>::Encode(-5, i64);
  Codec<double>::Encode(-2.5, f64);
  Codec<uint32_t>::Encode(7, u32);
  Codec<std::tuple<int32_t, double, std::string_view>>::Encode(std::tuple(1, 2.0, kLongWord),
                                                               tuple);
  double total = 0;
  long n = AllocationsOf(10000, [&](int) {
    total += static_cast<double>(Codec<int64_t>::Decode(i64));
    total += Codec<double>::Decode(f64);
    total += Codec<uint32_t>::Decode(u32);
    total += static_cast<double>(Codec<std::string_view>::Decode(kLongWord).size());
    auto [a, b, c] = Codec<std::tuple<int32_t, double, std::string_view>>::Decode(tuple);
    total += a + b + static_cast<double>(c.size());
  });
  EXPECT_EQ(n, 0);
  EXPECT_EQ(total, 10000 * (-5 - 2.5 + 7 + 2 * static_cast<double>(kLongWord.size()) + 3));
}

}  // namespace
}  // namespace minimr
