// Digits per second of the pi job's hot loop on ~100 MB of digit text in memory: the plain
// byte-at-a-time loop that sets the bar, and NGramCounter for several n on each code path.
// Layouts: Kanada's (groups of 10 random digits separated by spaces, 100 digits a line), and
// an irregular one (runs of 1..40 digits between "\r\n", "\t" or 1..3 spaces).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "minimr/count_blocks.h"
#include "minimr/job.h"
#include "pidigits/ngram_counter.h"

namespace minimr::pidigits {
namespace {

constexpr size_t kDigits = 90'000'000;  // 99 MB of Kanada text

struct Text {
  std::string bytes;
  uint64_t digits = 0;
};

class DigitSource {
 public:
  explicit DigitSource(uint64_t seed) : rng_(seed) {}
  // Uniform random digits, 19 from each 64-bit draw.
  char Next() {
    if (left_ == 0) {
      bits_ = rng_();
      left_ = 19;  // 10^19 < 2^64: nearly uniform
    }
    const char c = static_cast<char>('0' + bits_ % 10);
    bits_ /= 10;
    --left_;
    return c;
  }
  uint64_t Below(uint64_t n) { return rng_() % n; }

 private:
  std::mt19937_64 rng_;
  uint64_t bits_ = 0;
  int left_ = 0;
};

Text MakeKanada() {
  Text t;
  t.bytes.reserve(kDigits / 10 * 11);
  DigitSource source(314159);
  for (size_t i = 0; i < kDigits; ++i) {
    t.bytes += source.Next();
    if (i % 100 == 99) {
      t.bytes += '\n';
    } else if (i % 10 == 9) {
      t.bytes += ' ';
    }
  }
  t.digits = kDigits;
  return t;
}

Text MakeIrregular() {
  Text t;
  DigitSource source(271828);
  while (t.bytes.size() < kDigits / 10 * 11) {
    for (uint64_t run = 1 + source.Below(40); run > 0; --run) t.bytes += source.Next();
    switch (source.Below(3)) {
      case 0:
        t.bytes += "\r\n";
        break;
      case 1:
        t.bytes += '\t';
        break;
      default:
        t.bytes.append(1 + source.Below(3), ' ');
    }
  }
  for (char c : t.bytes) t.digits += c >= '0' && c <= '9';
  return t;
}

// Made once, on first use.
const Text& GetText(bool irregular) {
  if (irregular) {
    static const Text* text = new Text(MakeIrregular());
    return *text;
  }
  static const Text* text = new Text(MakeKanada());
  return *text;
}

void SetRates(benchmark::State& state, const Text& text) {
  const auto iterations = static_cast<double>(state.iterations());
  state.counters["digits/s"] = benchmark::Counter(static_cast<double>(text.digits) * iterations,
                                                  benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<int64_t>(text.bytes.size()) * state.iterations());
}

// The bar: what a hand-written C++ program does, one byte at a time. Arg: irregular layout.
void BM_PlainLoopPairs(benchmark::State& state) {
  const Text& text = GetText(state.range(0) != 0);
  for (auto _ : state) {
    uint64_t counts[100] = {};
    int previous = -1;
    for (char c : text.bytes) {
      const unsigned d = static_cast<unsigned char>(c) - unsigned{'0'};
      if (d > 9) continue;
      if (previous >= 0) ++counts[previous * 10 + d];
      previous = static_cast<int>(d);
    }
    benchmark::DoNotOptimize(counts);
  }
  SetRates(state, text);
}
BENCHMARK(BM_PlainLoopPairs)->ArgName("irregular")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Counts with the most vectorized path up to `most` that the CPU runs, and reads the counts out
// with ForEach.
void CountNGrams(benchmark::State& state, int n, bool irregular, VectorPath most) {
  const Text& text = GetText(irregular);
  NGramCounterOptions options;
  options.vector_path = most;
  for (auto _ : state) {
    NGramCounter counter(n, options);
    counter.Add(text.bytes.data(), text.bytes.size());
    uint64_t sum = 0;
    counter.ForEach([&](uint32_t, uint64_t count) { sum += count; });
    benchmark::DoNotOptimize(sum);
    if (sum != text.digits - n + 1) state.SkipWithError("wrong window count");
  }
  state.SetLabel(VectorPathName(NGramCounter(1, options).vector_path()));
  SetRates(state, text);
}

// Args: n, portable (1 forces the portable path, 0 takes the CPU's most vectorized), irregular
// layout.
void BM_NGramCounter(benchmark::State& state) {
  CountNGrams(state, static_cast<int>(state.range(0)), state.range(2) != 0,
              state.range(1) != 0 ? VectorPath::kPortable : VectorPath::kAvx512);
}
BENCHMARK(BM_NGramCounter)
    ->ArgNames({"n", "portable", "irregular"})
    ->Args({1, 0, 0})
    ->Args({1, 1, 0})
    ->Args({2, 0, 0})
    ->Args({2, 1, 0})
    ->Args({3, 0, 0})
    ->Args({4, 0, 0})
    ->Args({4, 1, 0})
    ->Args({8, 0, 0})
    ->Args({2, 0, 1})
    ->Args({2, 1, 1})
    ->Unit(benchmark::kMillisecond);

// The AVX2 path where the CPU also runs AVX-512, to compare the two. Args: n, irregular layout.
void BM_NGramCounterAvx2(benchmark::State& state) {
  CountNGrams(state, static_cast<int>(state.range(0)), state.range(1) != 0, VectorPath::kAvx2);
}
BENCHMARK(BM_NGramCounterAvx2)
    ->ArgNames({"n", "irregular"})
    ->Args({2, 0})
    ->Args({2, 1})
    ->Args({3, 0})
    ->Unit(benchmark::kMillisecond);

// The bar for large n: one byte at a time into a table of 10^n counters, then the distinct
// sequences counted. Arg: n.
void BM_PlainLoopTable(benchmark::State& state) {
  const Text& text = GetText(false);
  uint32_t size = 1;
  for (int64_t i = 0; i < state.range(0); ++i) size *= 10;
  for (auto _ : state) {
    std::vector<uint32_t> table(size, 0);
    uint32_t window = 0;
    uint64_t digits = 0;
    for (char c : text.bytes) {
      const unsigned d = static_cast<unsigned char>(c) - unsigned{'0'};
      if (d > 9) continue;
      window = (window * 10 + d) % size;
      if (++digits >= static_cast<uint64_t>(state.range(0))) ++table[window];
    }
    uint64_t distinct = 0;
    for (uint32_t count : table) distinct += count != 0;
    benchmark::DoNotOptimize(distinct);
  }
  SetRates(state, text);
}
BENCHMARK(BM_PlainLoopTable)->ArgName("n")->Arg(8)->Unit(benchmark::kMillisecond);

// What the pi job's map task does for n >= 6: the windows listed, sorted in batches of 16M
// (minimr::SortKeys) and emitted as count blocks (minimr::CountBlocks). Arg: n.
void BM_DrainedCounterToBlocks(benchmark::State& state) {
  const Text& text = GetText(false);
  const int n = static_cast<int>(state.range(0));
  constexpr size_t kBatch = size_t{16} << 20;
  struct Bytes : Emitter {
    uint64_t bytes = 0;
    void Emit(std::string_view key, std::string_view value) override {
      bytes += key.size() + value.size();
    }
  };
  uint64_t block_bytes = 0;
  for (auto _ : state) {
    NGramCounterOptions options;
    options.drained = true;
    NGramCounter counter(n, options);
    counter.Reserve(kBatch);
    CountBlocks blocks(65536);
    Bytes out;
    auto emit = [&](std::span<const uint32_t> sorted) { blocks.EmitSorted(sorted, out); };
    for (size_t at = 0; at < text.bytes.size(); at += 1 << 20) {
      counter.Add(text.bytes.data() + at, std::min<size_t>(1 << 20, text.bytes.size() - at));
      if (counter.listed() >= kBatch) counter.TakeSorted(emit);
    }
    counter.TakeSorted(emit);
    block_bytes = out.bytes;
  }
  state.counters["block bytes"] = static_cast<double>(block_bytes);
  SetRates(state, text);
}
BENCHMARK(BM_DrainedCounterToBlocks)->ArgName("n")->Arg(6)->Arg(8)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace minimr::pidigits

BENCHMARK_MAIN();
