#include "pidigits/ngram_counter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace minimr::pidigits {

// For gtest: a path by its name in test parameters and failures.
void PrintTo(VectorPath path, std::ostream* out) { *out << VectorPathName(path); }

namespace {

constexpr std::string_view kWhitespace = " \n\r\t\v\f";

// Everything a counter reports, in a form that compares and adds up.
struct Counts {
  std::map<uint32_t, uint64_t> windows;  // window value -> count
  uint64_t total_windows = 0;
  uint64_t owned_digits = 0;
  uint64_t invalid = 0;
  std::array<uint64_t, 10> digits{};

  void Add(const Counts& o) {
    for (const auto& [index, count] : o.windows) windows[index] += count;
    total_windows += o.total_windows;
    owned_digits += o.owned_digits;
    invalid += o.invalid;
    for (int d = 0; d < 10; ++d) digits[d] += o.digits[d];
  }
  bool operator==(const Counts&) const = default;
};

void PrintTo(const Counts& c, std::ostream* os) {
  *os << "{windows " << c.total_windows << " (" << c.windows.size() << " values), owned digits "
      << c.owned_digits << ", invalid " << c.invalid << "}";
}

// The definition, byte by byte.
Counts Reference(std::string_view text, int n) {
  Counts c;
  std::vector<int> digits;
  for (char ch : text) {
    if (ch >= '0' && ch <= '9') {
      digits.push_back(ch - '0');
    } else if (kWhitespace.find(ch) == std::string_view::npos) {
      ++c.invalid;
    }
  }
  for (int d : digits) ++c.digits[d];
  c.owned_digits = digits.size();
  for (size_t i = 0; i + n <= digits.size(); ++i) {
    uint32_t v = 0;
    for (int k = 0; k < n; ++k) v = v * 10 + digits[i + k];
    ++c.windows[v];
    ++c.total_windows;
  }
  return c;
}

// What the counter reports; `invalid` is the owned invalid bytes.
Counts Observe(const NGramCounter& counter) {
  Counts c;
  uint64_t last = 0;
  bool first = true;
  counter.ForEach([&](uint32_t index, uint64_t count) {
    EXPECT_TRUE(first || index > last) << "ForEach out of order at " << index;
    EXPECT_GT(count, 0u);
    first = false;
    last = index;
    c.windows[index] = count;
    c.total_windows += count;
  });
  EXPECT_EQ(c.total_windows, counter.windows());
  c.owned_digits = counter.owned_digits();
  c.invalid = counter.owned_invalid_bytes();
  c.digits = counter.DigitCounts();
  return c;
}

// Random digits with runs of whitespace at `space_rate` and invalid bytes at `invalid_rate`
// (per digit).
std::string RandomText(std::mt19937_64& rng, size_t digits, double space_rate,
                       double invalid_rate) {
  std::vector<char> invalid;
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    if (!(ch >= '0' && ch <= '9') && kWhitespace.find(ch) == std::string_view::npos) {
      invalid.push_back(ch);
    }
  }
  std::uniform_real_distribution<double> coin(0, 1);
  std::string text;
  for (size_t i = 0; i < digits; ++i) {
    text += static_cast<char>('0' + rng() % 10);
    if (coin(rng) < space_rate) {
      for (uint64_t k = 1 + rng() % 3; k > 0; --k) text += kWhitespace[rng() % kWhitespace.size()];
    }
    if (coin(rng) < invalid_rate) text += invalid[rng() % invalid.size()];
  }
  return text;
}

// Kanada's layout: groups of 10 digits separated by `space`, 100 digits a line ending in
// `newline`.
std::string KanadaText(std::mt19937_64& rng, size_t digits, char space = ' ', char newline = '\n') {
  std::string text;
  for (size_t i = 0; i < digits; ++i) {
    text += static_cast<char>('0' + rng() % 10);
    if (i % 100 == 99) {
      text += newline;
    } else if (i % 10 == 9) {
      text += space;
    }
  }
  return text;
}

// Pieces of random size: mostly tiny, sometimes past the counter's internal block size.
std::vector<std::string_view> RandomPieces(std::mt19937_64& rng, std::string_view text) {
  std::vector<std::string_view> pieces;
  while (!text.empty()) {
    const size_t want = rng() % 4 == 0 ? rng() % 10000 : rng() % 40;
    const size_t len = std::min(text.size(), want + 1);
    pieces.push_back(text.substr(0, len));
    text.remove_prefix(len);
  }
  return pieces;
}

void AddInPieces(std::mt19937_64& rng, std::string_view text, NGramCounter* counter) {
  for (std::string_view p : RandomPieces(rng, text)) counter->Add(p.data(), p.size());
}

// One split [begin, end) of text: owned bytes in pieces, then lookahead in pieces until the
// counter needs no more or the text ends.
Counts CountSplit(std::mt19937_64& rng, std::string_view text, size_t begin, size_t end, int n,
                  const NGramCounterOptions& options) {
  NGramCounter counter(n, options);
  AddInPieces(rng, text.substr(begin, end - begin), &counter);
  for (std::string_view p : RandomPieces(rng, text.substr(end))) {
    if (counter.lookahead_needed() == 0) break;
    counter.AddLookahead(p.data(), p.size());
  }
  return Observe(counter);
}

NGramCounterOptions AtMost(VectorPath most) {
  NGramCounterOptions options;
  options.vector_path = most;
  return options;
}

constexpr VectorPath kPaths[] = {VectorPath::kPortable, VectorPath::kAvx2, VectorPath::kAvx512};

// Parameters: n, and the most vectorized path to use (the CPU's, if it runs fewer).
class NGramCounterTest : public testing::TestWithParam<std::tuple<int, VectorPath>> {
 protected:
  void SetUp() override {
    // Asked for a path this CPU does not run, the counter takes a slower one, already tested
    // under its own name.
    if (path() > CpuVectorPath()) {
      GTEST_SKIP() << "this CPU does not run the " << VectorPathName(path()) << " path";
    }
  }
  int n() const { return std::get<0>(GetParam()); }
  VectorPath path() const { return std::get<1>(GetParam()); }
  NGramCounterOptions options() const { return AtMost(path()); }
  static constexpr int kCases = 6;

  std::mt19937_64 rng_{1234567u + 31u * static_cast<unsigned>(n())};
};

TEST_P(NGramCounterTest, MatchesReferenceOnRandomText) {
  const double space_rates[] = {0.0, 0.02, 0.3, 1.0};
  const double invalid_rates[] = {0.0, 0.01, 0.5};
  for (int i = 0; i < kCases; ++i) {
    const std::string text =
        RandomText(rng_, rng_() % 50000, space_rates[i % 4], invalid_rates[i % 3]);
    NGramCounter counter(n(), options());
    AddInPieces(rng_, text, &counter);
    EXPECT_EQ(Observe(counter), Reference(text, n())) << "case " << i;
    EXPECT_EQ(counter.invalid_bytes(), counter.owned_invalid_bytes());
  }
}

// Long enough for n = 6 and 7 to move from listing window values to counting them in a table.
TEST_P(NGramCounterTest, MatchesReferenceOnKanadaLayout) {
  const std::string text = KanadaText(rng_, 200000 + rng_() % 1000);
  NGramCounter counter(n(), options());
  counter.Add(text.data(), text.size());
  EXPECT_EQ(Observe(counter), Reference(text, n()));
}

// Near misses of the layout: other separators, invalid separators, a header, a broken group.
TEST_P(NGramCounterTest, MatchesReferenceOnKanadaLikeLayouts) {
  std::string text =
      "3.\n" + KanadaText(rng_, 5000, '\t', '\r') + KanadaText(rng_, 5000, ',', '\n');
  text += KanadaText(rng_, 5000, '\n', ' ') + "12345 " + KanadaText(rng_, 5000) + "x";
  NGramCounter counter(n(), options());
  AddInPieces(rng_, text, &counter);
  EXPECT_EQ(Observe(counter), Reference(text, n()));
}

TEST_P(NGramCounterTest, SplitCountsSumToWholeStream) {
  for (int i = 0; i < kCases; ++i) {
    const std::string text = RandomText(rng_, 20000, i % 2 ? 0.1 : 0.0, i % 3 ? 0.01 : 0.0);
    // Random cut points, including empty splits and splits of a few bytes.
    std::vector<size_t> cuts = {0, text.size()};
    for (uint64_t k = rng_() % 12; k > 0; --k) {
      const size_t at = rng_() % (text.size() + 1);
      cuts.push_back(at);
      cuts.push_back(std::min(text.size(), at + rng_() % 8));
    }
    std::sort(cuts.begin(), cuts.end());
    Counts sum;
    for (size_t k = 0; k + 1 < cuts.size(); ++k) {
      sum.Add(CountSplit(rng_, text, cuts[k], cuts[k + 1], n(), options()));
    }
    EXPECT_EQ(sum, Reference(text, n())) << "case " << i << ", " << cuts.size() - 1 << " splits";
  }
}

// The CPU's flags as the kernel reports them: a source of truth independent of the
// dispatcher's own CPUID check.
std::set<std::string> CpuinfoFlags() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    return {std::istream_iterator<std::string>(words), {}};
  }
  return {};
}

VectorPath CpuinfoVectorPath() {
  const std::set<std::string> flags = CpuinfoFlags();
  if (!flags.count("avx2") || !flags.count("popcnt")) return VectorPath::kPortable;
  if (flags.count("avx512f") && flags.count("avx512bw") && flags.count("avx512_vbmi2")) {
    return VectorPath::kAvx512;
  }
  return VectorPath::kAvx2;
}

TEST_P(NGramCounterTest, PathsAgree) {
  const std::string text = RandomText(rng_, 100000, 0.1, 0.001);
  NGramCounter vectorized(n(), options());
  NGramCounter portable(n(), AtMost(VectorPath::kPortable));
  vectorized.Add(text.data(), text.size());
  portable.Add(text.data(), text.size());
  EXPECT_EQ(vectorized.vector_path(), path());
  EXPECT_EQ(Observe(vectorized), Observe(portable));
}

TEST(NGramCounter, TakesTheMostVectorizedPathTheCpuRunsUpToTheOneAskedFor) {
  for (VectorPath most : kPaths) {
    EXPECT_EQ(NGramCounter(2, AtMost(most)).vector_path(), std::min(most, CpuinfoVectorPath()))
        << "asked for at most " << VectorPathName(most);
  }
}

TEST_P(NGramCounterTest, FoldingIntoWideCountersKeepsCounts) {
  NGramCounterOptions folding = options();
  folding.fold_limit = 1;  // fold before every block and every lookahead window
  const std::string text = RandomText(rng_, 40000, 0.05, 0.01);
  NGramCounter counter(n(), folding);
  AddInPieces(rng_, text.substr(0, 30000), &counter);
  counter.AddLookahead(text.data() + 30000, text.size() - 30000);
  NGramCounter plain(n(), options());
  plain.Add(text.data(), 30000);
  plain.AddLookahead(text.data() + 30000, text.size() - 30000);
  EXPECT_EQ(Observe(counter), Observe(plain));
}

std::string ParamName(const testing::TestParamInfo<std::tuple<int, VectorPath>>& info) {
  return "n" + std::to_string(std::get<0>(info.param)) + "_" +
         VectorPathName(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(AllSizesAllPaths, NGramCounterTest,
                         testing::Combine(testing::Range(1, 9), testing::ValuesIn(kPaths)),
                         ParamName);

TEST(NGramCounter, EmptyInputCountsNothing) {
  for (int n = 1; n <= 8; ++n) {
    NGramCounter counter(n);
    counter.Add(nullptr, 0);
    EXPECT_EQ(counter.lookahead_needed(), 0);
    counter.AddLookahead("123", 3);
    EXPECT_EQ(counter.n(), n);
    EXPECT_EQ(counter.windows(), 0u);
    EXPECT_EQ(counter.owned_digits(), 0u);
    EXPECT_EQ(counter.invalid_bytes(), 0u);
    EXPECT_EQ(counter.DigitCounts(), (std::array<uint64_t, 10>{}));
    int calls = 0;
    counter.ForEach([&](uint32_t, uint64_t) { ++calls; });
    EXPECT_EQ(calls, 0);
  }
}

TEST(NGramCounter, WindowsSpanPiecesAndReadAsDecimal) {
  NGramCounter counter(2);
  for (char c : std::string_view("0\n7 1")) counter.Add(&c, 1);
  std::map<uint32_t, uint64_t> windows;
  counter.ForEach([&](uint32_t index, uint64_t count) { windows[index] = count; });
  EXPECT_EQ(windows, (std::map<uint32_t, uint64_t>{{7, 1}, {71, 1}}));
}

TEST(NGramCounter, SkipsEveryAsciiWhitespaceAndCountsOtherBytes) {
  const std::string text =
      std::string("1 2\n3\r4\t5\v6\f7") + "a" + std::string(1, '\0') + "\xff" + "-8.9";
  NGramCounter counter(1);
  counter.Add(text.data(), text.size());
  EXPECT_EQ(counter.owned_digits(), 9u);
  EXPECT_EQ(counter.invalid_bytes(), 5u);
  EXPECT_EQ(counter.DigitCounts(), (std::array<uint64_t, 10>{0, 1, 1, 1, 1, 1, 1, 1, 1, 1}));
}

TEST(NGramCounter, LookaheadFinishesOnlyWindowsStartedInOwnedDigits) {
  NGramCounter counter(3);
  counter.Add("12345", 5);
  EXPECT_EQ(counter.windows(), 3u);  // 123 234 345
  EXPECT_EQ(counter.lookahead_needed(), 2);
  counter.AddLookahead(" x6", 3);
  EXPECT_EQ(counter.lookahead_needed(), 1);
  EXPECT_EQ(counter.invalid_bytes(), 1u);
  EXPECT_EQ(counter.owned_invalid_bytes(), 0u);
  counter.AddLookahead("7", 1);
  EXPECT_EQ(counter.lookahead_needed(), 0);
  counter.AddLookahead("8y9", 3);    // not needed: neither counted nor looked at
  EXPECT_EQ(counter.windows(), 5u);  // + 456 567
  EXPECT_EQ(counter.invalid_bytes(), 1u);
  std::map<uint32_t, uint64_t> windows;
  counter.ForEach([&](uint32_t index, uint64_t count) { windows[index] = count; });
  EXPECT_EQ(windows,
            (std::map<uint32_t, uint64_t>{{123, 1}, {234, 1}, {345, 1}, {456, 1}, {567, 1}}));
  EXPECT_EQ(counter.DigitCounts(), (std::array<uint64_t, 10>{0, 1, 1, 1, 1, 1, 0, 0, 0, 0}));
}

TEST(NGramCounter, LookaheadAfterFewerOwnedDigitsThanTheWindow) {
  NGramCounter counter(4);
  counter.Add("1 2", 3);
  EXPECT_EQ(counter.lookahead_needed(), 3);
  counter.AddLookahead("3", 1);  // 123 is no window yet
  EXPECT_EQ(counter.windows(), 0u);
  EXPECT_EQ(counter.lookahead_needed(), 2);
  counter.AddLookahead("4567", 4);
  EXPECT_EQ(counter.lookahead_needed(), 0);
  EXPECT_EQ(counter.windows(), 2u);  // 1234 2345
  EXPECT_EQ(counter.DigitCounts(), (std::array<uint64_t, 10>{0, 1, 1, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(NGramCounter, DigitCountsIncludeOwnedDigitsWithoutCompleteWindow) {
  NGramCounter counter(5);
  counter.Add("99887", 5);
  counter.AddLookahead("6", 1);  // the stream ends here
  EXPECT_EQ(counter.windows(), 2u);
  EXPECT_EQ(counter.lookahead_needed(), 3);
  EXPECT_EQ(counter.DigitCounts(), (std::array<uint64_t, 10>{0, 0, 0, 0, 0, 0, 0, 1, 2, 2}));
}

TEST(NGramCounter, SingleDigitsNeedNoLookahead) {
  NGramCounter counter(1);
  counter.Add("31", 2);
  EXPECT_EQ(counter.lookahead_needed(), 0);
  counter.AddLookahead("4", 1);
  EXPECT_EQ(counter.windows(), 2u);
}

TEST(NGramCounter, RejectsWindowSizesOutsideOneToEight) {
  EXPECT_THROW(NGramCounter(0), std::invalid_argument);
  EXPECT_THROW(NGramCounter(9), std::invalid_argument);
}

TEST(DigitCompactor, EveryPathKeepsDigitValuesAndCountsInvalidBytes) {
  std::mt19937_64 rng(99);
  for (int i = 0; i < 20; ++i) {
    const std::string text = i % 2 ? KanadaText(rng, rng() % 3000)
                                   : RandomText(rng, rng() % 3000, 0.2 * (i % 5), 0.05 * (i % 3));
    const Counts expected = Reference(text, 1);
    for (VectorPath most : kPaths) {
      if (most > CpuVectorPath()) continue;  // it would run a path tested already
      const DigitCompactor compactor(most);
      std::vector<uint8_t> out(text.size());
      uint64_t invalid = 0;
      out.resize(compactor.Compact(text.data(), text.size(), out.data(), &invalid));
      std::vector<uint8_t> want;
      for (char c : text) {
        if (c >= '0' && c <= '9') want.push_back(static_cast<uint8_t>(c - '0'));
      }
      EXPECT_EQ(out, want) << "case " << i << " " << VectorPathName(compactor.path());
      EXPECT_EQ(invalid, expected.invalid);

      uint32_t counts[10] = {};
      invalid = 0;
      EXPECT_EQ(compactor.Count(text.data(), text.size(), counts, &invalid), want.size());
      EXPECT_EQ(invalid, expected.invalid);
      for (int d = 0; d < 10; ++d) EXPECT_EQ(counts[d], expected.digits[d]) << "digit " << d;
    }
  }
}

}  // namespace
}  // namespace minimr::pidigits
