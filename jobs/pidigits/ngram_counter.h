// Counts of n-digit sequences (n = 1..8) in digit text: the map-side hot loop of the pi job.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "minimr/count_blocks.h"
#include "pidigits/digit_compactor.h"

namespace minimr::pidigits {

struct NGramCounterOptions {
  // The most vectorized code path to use where the CPU runs it (tests compare the paths).
  VectorPath vector_path = VectorPath::kAvx512;
  // Windows the 32-bit counters may hold before they are folded into 64-bit ones (at most
  // 2^32 - 1 is used). Tests lower it to exercise the folding.
  uint64_t fold_limit = UINT32_MAX;
  // n >= 6 only: never count into the 10^n table; the window values are listed until their
  // owner takes them as counts (TakeCounts), so that memory grows with the windows between two
  // takes and not with 10^n.
  bool drained = false;
};

// Counts every n-digit window of a digit stream fed in pieces. Whitespace is skipped, other
// non-digit bytes are skipped and counted. Windows span piece boundaries.
//
// A split's counter owns the digits given to Add: it counts exactly the windows that start at
// them, finishing the last n-1 of them with digits read ahead (AddLookahead). So the counts
// of the splits of a stream add up to the counts of the whole stream, wherever it is cut.
class NGramCounter {
 public:
  // REQUIRES: 1 <= n <= 8 (throws std::invalid_argument otherwise). Counts go to a table of
  // 10^n 32-bit counters (400 MB for n = 8, mapped on demand). For n >= 6 the table comes
  // only once 10^n / 64 windows are seen (before that their values are listed, 4 bytes each);
  // from then on ForEach and DigitCounts read all of it.
  explicit NGramCounter(int n, const NGramCounterOptions& options = NGramCounterOptions());

  NGramCounter(const NGramCounter&) = delete;
  NGramCounter& operator=(const NGramCounter&) = delete;

  // Bytes the split OWNS: every window that starts at one of their digits is counted (once
  // the window is complete).
  // REQUIRES: AddLookahead has not been called.
  void Add(const char* text, size_t len);

  // Bytes after the split (read ahead to finish windows): only completes windows that START
  // in owned digits; the digits here are not owned. Call after the last Add; can be called
  // more than once. Reads only as far as the digit that completes the last such window.
  void AddLookahead(const char* text, size_t len);

  // Number of digits AddLookahead still needs to complete every window started in owned
  // digits (0..n-1). Lets the reader stop reading ahead.
  int lookahead_needed() const;

  int n() const { return n_; }
  // Complete windows counted.
  uint64_t windows() const { return windows_; }
  uint64_t owned_digits() const { return owned_digits_; }
  // Non-digit, non-whitespace bytes seen, owned and lookahead (lookahead bytes only up to the
  // digit that completed the last window). Summed over splits, lookahead ones count twice.
  uint64_t invalid_bytes() const { return owned_invalid_ + lookahead_invalid_; }
  // Non-digit, non-whitespace bytes among the owned bytes: sums exactly over splits.
  uint64_t owned_invalid_bytes() const { return owned_invalid_; }
  // The code path in use.
  VectorPath vector_path() const { return compactor_.path(); }

  // Count of each digit 0..9 among OWNED digits, exact (including the last n-1 owned digits
  // that start no complete window).
  std::array<uint64_t, 10> DigitCounts() const;

  // Calls fn(index, count) for each window value 0..10^n-1 with count > 0, in increasing
  // order; index is the n digits read as a decimal number (window "07" -> 7). Drained: the
  // windows not yet taken.
  void ForEach(const std::function<void(uint32_t index, uint64_t count)>& fn) const;

  // Drained: windows listed since the last take.
  size_t listed() const { return list_.size(); }
  // Drained: sorts the windows listed since the last take (their values, minimr::SortKeys),
  // hands them to `take` and forgets them. REQUIRES: options.drained.
  void TakeSorted(const std::function<void(std::span<const uint32_t> sorted)>& take);
  // Drained: makes room for `windows` windows before the next take.
  void Reserve(size_t windows) { ReserveKeys(list_, windows); }

 private:
  struct TableDeleter {
    static constexpr size_t kInWorkspace = SIZE_MAX;  // part of workspace_: not freed alone
    size_t mapped_bytes;  // 0: from calloc
    void operator()(void* table) const;
  };
  template <typename T>
  using Table = std::unique_ptr<T[], TableDeleter>;
  // A zeroed table of count Ts. Throws std::bad_alloc.
  template <typename T>
  static Table<T> NewTable(size_t count);
  // Kernels (see ngram_counter.cc): count the windows of buf[0,len) into narrow_ (with
  // scratch_ for their values on the way), or write their values to out; both return how many
  // windows there were.
  using CountFn = uint64_t (*)(const uint8_t* buf, size_t len, uint32_t* narrow,
                               uint32_t* scratch);
  using ValuesFn = size_t (*)(const uint8_t* buf, size_t len, uint32_t* out);

  // Counts the windows of buf[0,len) (digit values) and returns how many there were.
  uint64_t CountBlock(const uint8_t* buf, size_t len);
  void CountOne(uint32_t window);  // a window completed by lookahead
  void ListToTable();              // counts list_ into a new narrow_ and empties it
  void Fold();                     // adds narrow_ to wide_ and clears narrow_
  // Adds the counts held in narrow_ to table (10^n counters, index = window value).
  void AddNarrowTo(uint64_t* table) const;

  const int n_;
  const uint32_t size_;  // 10^n
  const uint64_t fold_limit_;
  const DigitCompactor compactor_;
  const CountFn count_;           // n = 2, 3
  const ValuesFn window_values_;  // n >= 4

  uint64_t windows_ = 0;
  uint64_t owned_digits_ = 0;
  uint64_t owned_invalid_ = 0;
  uint64_t lookahead_invalid_ = 0;

  // What the kernels touch for every block, in one page-aligned block at fixed places (see
  // ngram_counter.cc): buf_, scratch_ and, for n = 2 and 3, narrow_.
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  std::unique_ptr<uint8_t[], Free> workspace_;
  static uint8_t* NewWorkspace();  // throws std::bad_alloc
  // Owned digits go through buf_: the last n-1 digits of the previous block, then the values
  // of the next block of text. tail_len_ is how many such digits lead the buffer.
  uint8_t* buf_;
  uint32_t* scratch_;  // n = 2, 3: the window values of a block, on their way to narrow_
  int tail_len_ = 0;

  // Lookahead: the window value rolled over the owned tail and the digits read ahead.
  bool in_lookahead_ = false;
  int lookahead_digits_ = 0;
  uint32_t rolling_ = 0;

  // Counts: narrow_ in 32-bit counters (kernel layout), folded now and then into wide_
  // (10^n 64-bit counters, index = window value; allocated at the first fold). For n >= 6,
  // while narrow_ is null, the values of the windows so far are in list_ instead, until there
  // are list_limit_ of them.
  Table<uint32_t> narrow_;
  size_t narrow_size_;
  uint64_t narrow_windows_ = 0;
  Table<uint64_t> wide_;
  std::vector<uint32_t> list_;
  size_t list_limit_;
  const bool drained_;
  std::array<uint64_t, 10> taken_digits_{};  // drained: first digits of the windows taken
  std::unique_ptr<uint32_t[]> values_;  // n >= 4: the window values of a block
};

}  // namespace minimr::pidigits
