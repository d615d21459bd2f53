#include "pidigits/ngram_counter.h"

#include <sys/mman.h>
#ifdef __x86_64__
#include <immintrin.h>
#endif

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace minimr::pidigits {
namespace {

// Text is compacted this many bytes at a time, so the digit buffer stays in L1.
constexpr size_t kBlock = 4096;
// The digit buffer: the last n-1 digits of the previous block, a block, and room for the
// vector loads that run past the end (their extra bytes are weighted 0).
constexpr size_t kBufferSize = 8 + kBlock + 64;
// What the kernels of n = 2 and 3 touch for every block, in one page-aligned workspace at fixed
// places: the window values of a block (scratch), the digit buffer, then the counters. Where
// the stack and the heap happened to put them made a map task of the pi study take 5 ms or 6
// ms with the same code (the places a forked worker and a started one had, forced in turn);
// placed here, it took 4.7-4.8 ms whatever their offsets within their pages (seven layouts).
constexpr size_t kScratchAt = 0;
constexpr size_t kScratchBytes = (kBlock / 2 + 16) * sizeof(uint32_t);
constexpr size_t kPage = 4096;
constexpr size_t kBufferAt = (kScratchAt + kScratchBytes + kPage - 1) / kPage * kPage;
constexpr size_t kTableAt = (kBufferAt + kBufferSize + kPage - 1) / kPage * kPage;
// Room for the largest two-at-a-time table (n = 3: 10^4 + 10^3 counters).
constexpr size_t kWorkspaceBytes =
    (kTableAt + (10000 + 1000) * sizeof(uint32_t) + kPage - 1) / kPage * kPage;

constexpr uint32_t kPow10[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

// Layout of the 32-bit counters (narrow_). For n = 1: the ten digit counts (no windows to
// form: the text is counted as it is, see DigitCompactor::Count). For n >= 4: the 10^n window
// counts. For n = 2 and 3 the windows are counted two at a time: an (n+1)-digit window taken
// at every second digit stands for its two n-digit windows ("abc" for "ab" and "bc"), which
// halves the increments, into a table of 10^(n+1) (4 or 40 KB); after it, 10^n counters for
// the windows counted one by one (a block's odd last one, lookahead).
// One table, not several interleaved copies: on this AMD core copies measured slower (it
// renames memory in read-modify-write chains, so repeats cost little). Measured too: windows
// of n+2 digits at every third digit (fewer increments into a table that no longer fits L1)
// are slower for n = 2.
constexpr bool CountsTwoAtATime(int n) { return n == 2 || n == 3; }

// For n >= 6 the table (4 MB and up) is not allocated at first: the window values are listed
// (list_, 4 bytes a window) until there are 10^n / kListFraction of them, and only then
// counted into the table. Small splits never pay for allocating and reading 10^n counters.
constexpr int kFirstListed = 6;
constexpr uint32_t kListFraction = 64;

// Each kernel counts the windows of b[0,len) into narrow and returns how many it counted
// (len - n + 1, or 0), using scratch for the window values on the way. REQUIRES: len <= kBlock
// + 7, b has kBufferSize bytes, scratch has kScratchBytes, 32-byte aligned.
using CountFn = uint64_t (*)(const uint8_t* b, size_t len, uint32_t* narrow, uint32_t* scratch);

template <int N>
uint32_t WindowValue(const uint8_t* p) {
  uint32_t v = 0;
  for (int k = 0; k < N; ++k) v = v * 10 + p[k];
  return v;
}

template <int N>
uint64_t CountTwoAtATimePortable(const uint8_t* b, size_t len, uint32_t* narrow, uint32_t*) {
  if (len < size_t{N}) return 0;
  const size_t windows = len - N + 1;
  size_t i = 0;
  for (; i + 2 <= windows; i += 2) ++narrow[WindowValue<N + 1>(b + i)];
  for (; i < windows; ++i) ++narrow[kPow10[N + 1] + WindowValue<N>(b + i)];
  return windows;
}

// n >= 4: writes the values of the windows of b[0,len) to out and returns how many it wrote
// (len - n + 1, or 0). REQUIRES: as for CountFn; out has room for len values.
using ValuesFn = size_t (*)(const uint8_t* b, size_t len, uint32_t* out);

template <int N>
size_t WindowValuesPortable(const uint8_t* b, size_t len, uint32_t* out) {
  if (len < size_t{N}) return 0;
  const size_t windows = len - N + 1;
  for (size_t i = 0; i < windows; ++i) out[i] = WindowValue<N>(b + i);
  return windows;
}

#ifdef __x86_64__

// n = 2, 3: the (n+1)-digit windows at every second digit, 16 at a time: each 16-byte lane
// gathers four of them with pshufb, pmaddubsw joins their digits into pairs and pmaddwd the
// pairs into values, and packusdw narrows two registers of values to 16 bits (they are below
// 10^4; the packing interleaves the lanes, and the order does not matter to counting). All
// values first, then the increments, four values to a 64-bit load: one load fewer per
// increment than 32-bit values, which the increments (a load and a store each) compete with
// (bench/ngram_bench, compaction and count: 5-7% less time for n = 2, 12-15% for n = 3).
template <int N>
__attribute__((target("avx2,popcnt"))) uint64_t CountTwoAtATimeAvx2(const uint8_t* b, size_t len,
                                                                    uint32_t* narrow,
                                                                    uint32_t* scratch) {
  static_assert(N == 2 || N == 3);
  // Per lane: windows at digits 0, 2, 4, 6 (of the lane's start), four bytes each; a fourth
  // byte past a 3-digit window gets weight 0.
  static constexpr auto kGather = [] {
    std::array<uint8_t, 32> c{};
    for (size_t k = 0; k < 32; ++k) c[k] = uint8_t(2 * (k % 16 / 4) + k % 4);
    return c;
  }();
  // Digit weights 10,1,10,1 then pair weights 100,1; or for three digits 10,1,1,0 and 10,1.
  const __m256i digit_weights = _mm256_set1_epi32(N == 3 ? 0x010A010A : 0x0001010A);
  const __m256i pair_weights = _mm256_set1_epi32(N == 3 ? 0x00010064 : 0x0001000A);
  if (len < size_t{N}) return 0;
  const size_t windows = len - N + 1;
  const size_t twos = windows / 2;
  const __m256i gather = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kGather.data()));
  // The values of the eight windows at every second digit from p.
  auto values = [&](const uint8_t* p) __attribute__((target("avx2,popcnt"), always_inline)) {
    const __m256i x = _mm256_inserti128_si256(
        _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))),
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 8)), 1);
    const __m256i pairs = _mm256_maddubs_epi16(_mm256_shuffle_epi8(x, gather), digit_weights);
    return _mm256_madd_epi16(pairs, pair_weights);
  };
  uint16_t* index = reinterpret_cast<uint16_t*>(scratch);
  size_t j = 0;
  for (; j + 16 <= twos; j += 16) {
    const uint8_t* p = b + 2 * j;
    _mm256_store_si256(reinterpret_cast<__m256i*>(index + j),
                       _mm256_packus_epi32(values(p), values(p + 16)));
  }
  for (size_t k = 0; k < j; k += 4) {
    uint64_t v;
    std::memcpy(&v, index + k, sizeof v);
    ++narrow[v & 0xFFFF];
    ++narrow[(v >> 16) & 0xFFFF];
    ++narrow[(v >> 32) & 0xFFFF];
    ++narrow[v >> 48];
  }
  size_t i = 2 * j;
  for (; i + 2 <= windows; i += 2) ++narrow[WindowValue<N + 1>(b + i)];
  for (; i < windows; ++i) ++narrow[kPow10[N + 1] + WindowValue<N>(b + i)];
  return windows;
}

// The values of the M-digit windows (M = 1..4) starting at p, p+4, ..., p+28, in 32-bit lanes.
// Weights of 0 drop the digits past the window.
__attribute__((target("avx2,popcnt"), always_inline)) inline __m256i ShortWindows(const uint8_t* p,
                                                                                  int m) {
  static constexpr uint32_t kDigitWeights[5] = {0, 0x00000001, 0x0000010A, 0x0001010A, 0x010A010A};
  static constexpr uint32_t kPairWeights[5] = {0, 0x00000001, 0x00000001, 0x0001000A, 0x00010064};
  const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i pairs = _mm256_maddubs_epi16(x, _mm256_set1_epi32(int(kDigitWeights[m])));
  return _mm256_madd_epi16(pairs, _mm256_set1_epi32(int(kPairWeights[m])));
}

// n >= 4: window values 32 at a time (four loads one digit apart, each giving every fourth
// window; the order does not matter for counting).
template <int N>
__attribute__((target("avx2,popcnt"))) size_t WindowValuesAvx2(const uint8_t* b, size_t len,
                                                               uint32_t* out) {
  static_assert(N >= 4);
  if (len < size_t{N}) return 0;
  const size_t windows = len - N + 1;
  const __m256i high_scale = _mm256_set1_epi32(int(kPow10[N - 4]));
  size_t i = 0;
  for (; i + 32 <= windows; i += 32) {
#pragma GCC unroll 4
    for (int o = 0; o < 4; ++o) {
      __m256i v = ShortWindows(b + i + o, 4);
      if constexpr (N > 4) {
        v = _mm256_add_epi32(_mm256_mullo_epi32(v, high_scale), ShortWindows(b + i + o + 4, N - 4));
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i + 8 * o), v);
    }
  }
  for (; i < windows; ++i) out[i] = WindowValue<N>(b + i);
  return windows;
}

#endif  // __x86_64__

// The kernel for n = 2, 3 and, for n >= 4, the window values (either may be null).
struct Kernels {
  CountFn count = nullptr;
  ValuesFn values = nullptr;
};

template <int N>
Kernels PickKernels(int n, bool avx2) {
  if constexpr (N > 8) {
    return {};
  } else {
    if (n != N) return PickKernels<N + 1>(n, avx2);
    if constexpr (N == 1) {
      return {};  // no windows: DigitCompactor::Count counts the text
    } else if constexpr (CountsTwoAtATime(N)) {
#ifdef __x86_64__
      if (avx2) return {CountTwoAtATimeAvx2<N>, nullptr};
#endif
      return {CountTwoAtATimePortable<N>, nullptr};
    } else {
#ifdef __x86_64__
      if (avx2) return {nullptr, WindowValuesAvx2<N>};
#endif
      return {nullptr, WindowValuesPortable<N>};
    }
  }
}

int CheckedN(int n) {
  if (n < 1 || n > 8) {
    throw std::invalid_argument("NGramCounter: n must be 1..8, not " + std::to_string(n));
  }
  return n;
}

// Tables of at least this many bytes are mapped rather than allocated.
constexpr size_t kMapBytes = size_t{1} << 21;

}  // namespace

// Large tables come straight from mmap, so that pages never touched cost nothing, and ask for
// 2 MB pages: random increments over 10^7 or 10^8 counters then take far fewer page faults
// and TLB misses.
template <typename T>
NGramCounter::Table<T> NGramCounter::NewTable(size_t count) {
  const size_t bytes = count * sizeof(T);
  if (bytes < kMapBytes) {
    void* p = std::calloc(count, sizeof(T));
    if (p == nullptr) throw std::bad_alloc();
    return {static_cast<T*>(p), TableDeleter{0}};
  }
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  madvise(p, bytes, MADV_HUGEPAGE);  // a hint: without it, plain pages
#endif
  return {static_cast<T*>(p), TableDeleter{bytes}};
}

NGramCounter::NGramCounter(int n, const NGramCounterOptions& options)
    : n_(CheckedN(n)),
      size_(kPow10[n]),
      fold_limit_(std::min<uint64_t>(options.fold_limit, UINT32_MAX)),
      compactor_(options.vector_path),
      count_(PickKernels<1>(n, compactor_.path() >= VectorPath::kAvx2).count),
      window_values_(PickKernels<1>(n, compactor_.path() >= VectorPath::kAvx2).values),
      workspace_(NewWorkspace()),
      buf_(workspace_.get() + kBufferAt),
      scratch_(reinterpret_cast<uint32_t*>(workspace_.get() + kScratchAt)),
      narrow_size_(CountsTwoAtATime(n) ? kPow10[n + 1] + size_ : size_),
      list_limit_(options.drained     ? SIZE_MAX
                  : n >= kFirstListed ? size_ / kListFraction
                                      : 0),
      drained_(options.drained) {
  if (drained_ && n < kFirstListed) {
    throw std::invalid_argument("NGramCounter: only n >= " + std::to_string(kFirstListed) +
                                " can be drained, not n = " + std::to_string(n));
  }
  std::memset(buf_, 0, kBufferSize);
  if (CountsTwoAtATime(n) && narrow_size_ * sizeof(uint32_t) <= kWorkspaceBytes - kTableAt) {
    narrow_ = Table<uint32_t>(reinterpret_cast<uint32_t*>(workspace_.get() + kTableAt),
                              TableDeleter{TableDeleter::kInWorkspace});
    std::memset(narrow_.get(), 0, narrow_size_ * sizeof(uint32_t));
  } else if (n < kFirstListed) {
    narrow_ = NewTable<uint32_t>(narrow_size_);
  }
  if (n >= 4) values_.reset(new uint32_t[kBlock + 8]);
}

uint8_t* NGramCounter::NewWorkspace() {
  void* p = std::aligned_alloc(kPage, kWorkspaceBytes);
  if (p == nullptr) throw std::bad_alloc();
  return static_cast<uint8_t*>(p);
}

void NGramCounter::TableDeleter::operator()(void* table) const {
  if (mapped_bytes == kInWorkspace) return;
  if (mapped_bytes == 0) {
    std::free(table);
  } else {
    munmap(table, mapped_bytes);
  }
}

void NGramCounter::Add(const char* text, size_t len) {
  assert(!in_lookahead_);
  uint8_t* buf = buf_;
  while (len > 0) {
    const size_t take = std::min(len, kBlock);
    if (narrow_ && narrow_windows_ + tail_len_ + take > fold_limit_) Fold();
    if (n_ == 1) {
      const size_t digits = compactor_.Count(text, take, narrow_.get(), &owned_invalid_);
      owned_digits_ += digits;
      windows_ += digits;
      narrow_windows_ += digits;
      text += take;
      len -= take;
      continue;
    }
    const size_t digits = compactor_.Compact(text, take, buf + tail_len_, &owned_invalid_);
    text += take;
    len -= take;
    // Starts reading the next block from memory while this one is counted.
    for (size_t ahead = 0; ahead < std::min(len, kBlock); ahead += 64) {
      __builtin_prefetch(text + ahead);
    }
    owned_digits_ += digits;
    const size_t total = tail_len_ + digits;
    const uint64_t counted = CountBlock(buf, total);
    windows_ += counted;
    const size_t keep = std::min<size_t>(n_ - 1, total);
    std::memmove(buf, buf + total - keep, keep);
    tail_len_ = static_cast<int>(keep);
  }
}

void NGramCounter::AddLookahead(const char* text, size_t len) {
  if (!in_lookahead_) {
    in_lookahead_ = true;
    rolling_ = 0;
    for (int k = 0; k < tail_len_; ++k) rolling_ = rolling_ * 10 + buf_[k];
  }
  // Byte by byte: at most n-1 digits are wanted.
  for (size_t i = 0; i < len && lookahead_needed() > 0; ++i) {
    uint8_t d;
    if (compactor_.Compact(text + i, 1, &d, &lookahead_invalid_) == 0) continue;
    ++lookahead_digits_;
    rolling_ = (rolling_ * 10 + d) % size_;
    // The window of the last n digits starts in owned digits once n of them are in.
    if (tail_len_ + lookahead_digits_ >= n_) CountOne(rolling_);
  }
}

uint64_t NGramCounter::CountBlock(const uint8_t* buf, size_t len) {
  if (count_ != nullptr) {
    const uint64_t counted = count_(buf, len, narrow_.get(), scratch_);
    narrow_windows_ += counted;
    return counted;
  }
  if (!narrow_) {
    const size_t listed = list_.size();
    list_.resize(listed + len);
    const size_t windows = window_values_(buf, len, list_.data() + listed);
    list_.resize(listed + windows);
    if (list_.size() >= list_limit_) ListToTable();
    return windows;
  }
  const size_t windows = window_values_(buf, len, values_.get());
  uint32_t* narrow = narrow_.get();
  const uint32_t* values = values_.get();
  if (n_ >= kFirstListed) {
    // A table beyond L2: fetch the counters a few increments ahead.
    constexpr size_t kAhead = 16;
    for (size_t k = 0; k < windows; ++k) {
      if (k + kAhead < windows) __builtin_prefetch(narrow + values[k + kAhead], 1);
      ++narrow[values[k]];
    }
  } else {
    for (size_t k = 0; k < windows; ++k) ++narrow[values[k]];
  }
  narrow_windows_ += windows;
  return windows;
}

void NGramCounter::ListToTable() {
  narrow_ = NewTable<uint32_t>(narrow_size_);
  for (uint32_t window : list_) ++narrow_[window];
  narrow_windows_ = list_.size();
  std::vector<uint32_t>().swap(list_);
}

int NGramCounter::lookahead_needed() const {
  return owned_digits_ > 0 ? n_ - 1 - lookahead_digits_ : 0;
}

void NGramCounter::CountOne(uint32_t window) {
  ++windows_;
  if (!narrow_) {
    list_.push_back(window);
    return;
  }
  if (narrow_windows_ + 1 > fold_limit_) Fold();
  ++narrow_[(CountsTwoAtATime(n_) ? kPow10[n_ + 1] : 0) + window];
  ++narrow_windows_;
}

void NGramCounter::AddNarrowTo(uint64_t* table) const {
  const uint32_t* narrow = narrow_.get();
  if (CountsTwoAtATime(n_)) {
    // Window "d0 .. dn" holds "d0 .. dn-1" and "d1 .. dn".
    for (uint32_t both = 0; both < kPow10[n_ + 1]; ++both) {
      table[both / 10] += narrow[both];
      table[both % size_] += narrow[both];
    }
    narrow += kPow10[n_ + 1];
  }
  for (uint32_t i = 0; i < size_; ++i) table[i] += narrow[i];
}

void NGramCounter::Fold() {
  if (!wide_) wide_ = NewTable<uint64_t>(size_);
  AddNarrowTo(wide_.get());
  std::memset(narrow_.get(), 0, narrow_size_ * sizeof(uint32_t));
  narrow_windows_ = 0;
}

void NGramCounter::ForEach(const std::function<void(uint32_t index, uint64_t count)>& fn) const {
  if (n_ <= 3) {
    uint64_t table[1000] = {};
    if (wide_) std::copy(wide_.get(), wide_.get() + size_, table);
    AddNarrowTo(table);
    for (uint32_t i = 0; i < size_; ++i) {
      if (table[i] != 0) fn(i, table[i]);
    }
    return;
  }
  if (!narrow_) {
    std::vector<uint32_t> sorted = list_;
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 0; i < sorted.size();) {
      size_t end = i + 1;
      while (end < sorted.size() && sorted[end] == sorted[i]) ++end;
      fn(sorted[i], end - i);
      i = end;
    }
    return;
  }
  const uint32_t* narrow = narrow_.get();
  const uint64_t* wide = wide_.get();
  for (uint32_t i = 0; i < size_; ++i) {
    const uint64_t count = narrow[i] + (wide != nullptr ? wide[i] : 0);
    if (count != 0) fn(i, count);
  }
}

void NGramCounter::TakeSorted(const std::function<void(std::span<const uint32_t> sorted)>& take) {
  assert(drained_);
  SortKeys(list_);
  const uint32_t per_digit = size_ / 10;
  auto from = list_.begin();
  for (uint32_t d = 0; d < 10; ++d) {  // sorted: each first digit's windows are a run
    const auto to = std::lower_bound(from, list_.end(), (d + 1) * per_digit);
    taken_digits_[d] += static_cast<uint64_t>(to - from);
    from = to;
  }
  take(list_);
  list_.clear();
}

std::array<uint64_t, 10> NGramCounter::DigitCounts() const {
  // Every counted window starts at an owned digit; the owned digits that start none are the
  // last owned_digits_ - windows_ of them, which the buffer still holds.
  std::array<uint64_t, 10> counts{};
  const uint32_t per_digit = size_ / 10;  // windows with the same first digit
  if (n_ <= 3) {
    ForEach([&](uint32_t index, uint64_t count) { counts[index / per_digit] += count; });
  } else if (!narrow_) {
    for (uint32_t window : list_) ++counts[window / per_digit];
    for (int d = 0; d < 10; ++d) counts[d] += taken_digits_[d];
  } else {
    for (int d = 0; d < 10; ++d) {
      const uint32_t begin = d * per_digit;
      for (uint32_t i = begin; i < begin + per_digit; ++i) counts[d] += narrow_[i];
      if (wide_) {
        for (uint32_t i = begin; i < begin + per_digit; ++i) counts[d] += wide_[i];
      }
    }
  }
  const int open = static_cast<int>(owned_digits_ - windows_);
  for (int k = tail_len_ - open; k < tail_len_; ++k) ++counts[buf_[k]];
  return counts;
}

}  // namespace minimr::pidigits
