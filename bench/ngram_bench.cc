// Digits per second of the pi job's hot loop on ~100 MB of Kanada-layout digit text in memory
// (groups of 10 random digits separated by spaces, 100 digits a line): the plain byte-at-a-time
// loop that sets the bar, and NGramCounter for several n on both code paths.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>

#include "jobs/pidigits/ngram_counter.h"

namespace minimr::pidigits {
namespace {

constexpr size_t kDigits = 90'000'000;  // 99 MB of text

struct Text {
  std::string bytes;
  uint64_t digits = 0;
};

const Text& KanadaText() {
  static const Text* text = [] {
    auto* t = new Text;
    t->bytes.reserve(kDigits / 10 * 11);
    std::mt19937_64 rng(314159);
    uint64_t bits = 0;
    int left = 0;
    for (size_t i = 0; i < kDigits; ++i) {
      if (left == 0) {
        bits = rng();
        left = 19;  // 10^19 < 2^64: nearly uniform
      }
      t->bytes += static_cast<char>('0' + bits % 10);
      bits /= 10;
      --left;
      if (i % 100 == 99) {
        t->bytes += '\n';
      } else if (i % 10 == 9) {
        t->bytes += ' ';
      }
    }
    t->digits = kDigits;
    return t;
  }();
  return *text;
}

void SetRate(benchmark::State& state, uint64_t digits) {
  state.counters["digits/s"] = benchmark::Counter(
      static_cast<double>(digits) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<int64_t>(KanadaText().bytes.size()) *
                          static_cast<int64_t>(state.iterations()));
}

// The bar: what a hand-written C++ program does, one byte at a time.
void BM_PlainLoopPairs(benchmark::State& state) {
  const Text& text = KanadaText();
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
  SetRate(state, text.digits);
}
BENCHMARK(BM_PlainLoopPairs)->Unit(benchmark::kMillisecond);

// Args: n, portable (1 forces the portable path). Includes reading the counts out.
void BM_NGramCounter(benchmark::State& state) {
  const Text& text = KanadaText();
  NGramCounterOptions options;
  options.portable = state.range(1) != 0;
  for (auto _ : state) {
    NGramCounter counter(static_cast<int>(state.range(0)), options);
    counter.Add(text.bytes.data(), text.bytes.size());
    uint64_t sum = 0;
    counter.ForEach([&](uint32_t, uint64_t count) { sum += count; });
    benchmark::DoNotOptimize(sum);
    if (sum != text.digits - counter.n() + 1) state.SkipWithError("wrong window count");
  }
  NGramCounterOptions probe = options;
  state.SetLabel(NGramCounter(1, probe).vectorized() ? "avx2" : "portable");
  SetRate(state, text.digits);
}
BENCHMARK(BM_NGramCounter)
    ->ArgNames({"n", "portable"})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Args({2, 0})
    ->Args({2, 1})
    ->Args({3, 0})
    ->Args({4, 0})
    ->Args({4, 1})
    ->Args({8, 0})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace minimr::pidigits

BENCHMARK_MAIN();
