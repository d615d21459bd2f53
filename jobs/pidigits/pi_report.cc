#include "pidigits/pi_report.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <numeric>
#include <optional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "minimr/atomic_file.h"
#include "minimr/number_format.h"
#include "minimr/output.h"
#include "minimr/plot.h"

namespace minimr::pidigits {
namespace {

namespace fs = std::filesystem;
using report::ChiSquareResult;

constexpr int kMaxN = 8;
// counts.csv lists every key up to this n (at most 100 rows), beyond it only the keys present.
constexpr int kAllKeysUpTo = 2;
// Beyond this n there is no counts.csv: the part files list the keys present, and a copy would
// double the report's time and the output's size (n = 8: 77 million keys of 150M digits).
constexpr int kListedUpTo = 5;

// An expected count: with two decimals unless it is whole.
std::string Expected(double e) { return WithThousands(e, e == std::floor(e) ? 0 : 2); }

std::string Fixed(double v, int decimals, bool sign = false) {
  char buf[64];
  std::snprintf(buf, sizeof buf, sign ? "%+.*f" : "%.*f", decimals, v);
  return buf;
}

std::string PValue(double p) {
  if (p == 0) return "< 1e-300";
  if (p < 1e-3) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2e", p);
    return buf;
  }
  return Fixed(p, 4);
}

std::string Key(uint64_t index, int n) {
  std::string key(static_cast<size_t>(n), '0');
  for (size_t i = static_cast<size_t>(n); i-- > 0; index /= 10) {
    key[i] = static_cast<char>('0' + index % 10);
  }
  return key;
}

// A record quoted in an error message: at most 40 characters, unprintable ones as '?'.
std::string Excerpt(std::string_view key, std::string_view value) {
  const std::string line = std::string(key) + "\t" + std::string(value);
  std::string s;
  for (char c : line.substr(0, 40)) s += (c >= 32 && c < 127) ? c : '?';
  return "\"" + s + (line.size() > 40 ? "...\"" : "\"");
}

// What a pass over part files gathers: the statistics of the counts, in memory that grows with
// 10^(n-1) (and a bit per key), and up to n = kListedUpTo the records themselves.
struct Tally {
  uint64_t total = 0;
  uint64_t present = 0;                // records
  unsigned __int128 sum_squares = 0;   // of the counts
  uint64_t max_count = 0, max_key = 0;  // the largest count, and its smallest key
  uint64_t min_count = UINT64_MAX, min_key = 0;  // the smallest count of a record, its smallest key
  std::vector<uint64_t> seen;     // a bit per key
  std::vector<uint64_t> shorter;  // n >= 2: the counts summed over their last digit
  std::vector<KeyCount> listed;   // n <= kListedUpTo: every record

  Tally(int n, uint64_t keys) : seen((keys + 63) / 64), shorter(n >= 2 ? keys / 10 : 0) {}

  void Add(uint64_t key, uint64_t count, int n) {
    total += count;
    ++present;
    sum_squares += static_cast<unsigned __int128>(count) * count;
    if (count > max_count || (count == max_count && key < max_key) || present == 1) {
      max_count = count;
      max_key = key;
    }
    if (count < min_count || (count == min_count && key < min_key)) {
      min_count = count;
      min_key = key;
    }
    if (!shorter.empty()) shorter[key / 10] += count;
    if (n <= kListedUpTo) listed.push_back({key, count});
  }

  // Adds `other`'s records (of other part files); returns a key both hold, if any, and then
  // adds nothing.
  std::optional<uint64_t> Merge(const Tally& other) {
    for (size_t w = 0; w < seen.size(); ++w) {
      if (const uint64_t both = seen[w] & other.seen[w]) return w * 64 + std::countr_zero(both);
    }
    for (size_t w = 0; w < seen.size(); ++w) seen[w] |= other.seen[w];
    for (size_t i = 0; i < shorter.size(); ++i) shorter[i] += other.shorter[i];
    if (other.present > 0) {
      if (present == 0 || other.max_count > max_count ||
          (other.max_count == max_count && other.max_key < max_key)) {
        max_count = other.max_count;
        max_key = other.max_key;
      }
      if (other.min_count < min_count ||
          (other.min_count == min_count && other.min_key < min_key)) {
        min_count = other.min_count;
        min_key = other.min_key;
      }
    }
    total += other.total;
    present += other.present;
    sum_squares += other.sum_squares;
    listed.insert(listed.end(), other.listed.begin(), other.listed.end());
    return std::nullopt;
  }

  // The smallest key without a record; `keys` if every key has one.
  uint64_t FirstAbsent(uint64_t keys) const {
    for (size_t w = 0; w < seen.size(); ++w) {
      if (~seen[w] != 0) return std::min<uint64_t>(keys, w * 64 + std::countr_one(seen[w]));
    }
    return keys;
  }
};

// Reads the records ("<n digits>", "<count>") of the part file `part` of `dir` into `tally`,
// checking each (`tally` may be shared by several parts: a key seen in an earlier one is
// refused as repeated).
void TallyPart(const std::string& dir, size_t part, int n, Tally& tally) {
  OutputReader reader(dir, part);
  std::string_view key, value;
  while (reader.Next(&key, &value)) {
    auto fail = [&](const std::string& why) {
      throw std::runtime_error(reader.file() + ":" + std::to_string(reader.line()) + ": " + why +
                               " in record " + Excerpt(key, value) + "; expected \"<" +
                               std::to_string(n) + " digits>\\t<count>\"");
    };
    if (key.size() != static_cast<size_t>(n)) {
      fail("key of " + std::to_string(key.size()) + " characters, not " + std::to_string(n));
    }
    uint64_t index = 0;
    for (char c : key) {
      if (c < '0' || c > '9') fail("non-digit in key");
      index = index * 10 + static_cast<uint64_t>(c - '0');
    }
    uint64_t count = 0;
    const char* first = value.data();
    const char* last = value.data() + value.size();
    const auto [end, ec] = std::from_chars(first, last, count);
    if (first == last || ec != std::errc() || end != last) fail("bad count");
    uint64_t& word = tally.seen[index / 64];
    const uint64_t bit = uint64_t{1} << (index % 64);
    if (word & bit) fail("key " + std::string(key) + " repeated (keys must be unique)");
    word |= bit;
    tally.Add(index, count, n);
  }
}

// As TallyPart, for a text part file at `path`, read straight from its bytes: each line must be
// n digits, a tab, the digits of a count and a newline, which is all the text format can make of
// a record TallyPart takes (keys and counts hold no bytes it escapes). Returns false, and leaves
// `tally` part-way through the file, at the first line that is anything else (or one longer than
// its buffer): TallyPart then reads the file. Twice as fast as reading the records one by one.
bool TallyTextPart(const std::string& path, int n, Tally& tally) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  // Reads fill kBlock bytes at most: a short line's key is read up to n + 1 bytes past its end,
  // into the slack, zeroed after each read. The rest is not zeroed: a small part file touches
  // (and faults in) a page or two of it, not 1 MiB.
  constexpr size_t kBlock = 1 << 20;
  constexpr size_t kSlack = 64;
  const auto buffer = std::make_unique_for_overwrite<char[]>(kBlock + kSlack);
  size_t begin = 0, end = 0;
  bool ok = true;
  for (bool at_eof = false; ok;) {
    if (!at_eof) {
      std::memmove(buffer.get(), buffer.get() + begin, end - begin);
      end -= begin;
      begin = 0;
      const ssize_t got = ::read(fd, buffer.get() + end, kBlock - end);
      if (got < 0) {
        ok = false;
        break;
      }
      at_eof = got == 0;
      end += static_cast<size_t>(got);
      std::memset(buffer.get() + end, 0, kSlack);
    }
    const char* p = buffer.get() + begin;
    const char* const stop = buffer.get() + end;
    // Whole lines only: the last, cut short by the block's end, waits for the next read.
    const char* const last_newline = static_cast<const char*>(
        ::memrchr(p, '\n', static_cast<size_t>(stop - p)));
    if (last_newline == nullptr) {
      if (!at_eof && end - begin < kBlock) continue;  // a short read: read on
      ok = at_eof && p == stop;  // a line longer than the block, or no final newline
      break;
    }
    while (p <= last_newline) {
      uint64_t key = 0;
      for (int i = 0; i < n; ++i) {
        const auto digit = static_cast<unsigned char>(p[i] - '0');
        ok = ok && digit <= 9;
        key = key * 10 + digit;
      }
      if (!ok || p[n] != '\t') {
        ok = false;
        break;
      }
      p += n + 1;
      const char* const count_begin = p;
      uint64_t count = 0;
      while (static_cast<unsigned char>(*p - '0') <= 9) {
        count = count * 10 + static_cast<uint64_t>(*p - '0');
        ++p;
      }
      if (*p != '\n' || p == count_begin) {
        ok = false;
        break;
      }
      if (p - count_begin > 19) {  // it may have overflowed: as TallyPart reads it
        const auto [count_end, ec] = std::from_chars(count_begin, p, count);
        if (ec != std::errc() || count_end != p) {
          ok = false;
          break;
        }
      }
      ++p;
      uint64_t& word = tally.seen[key / 64];
      const uint64_t bit = uint64_t{1} << (key % 64);
      if (word & bit) {
        ok = false;
        break;
      }
      word |= bit;
      tally.Add(key, count, n);
    }
    begin = static_cast<size_t>(p - buffer.get());
    if (at_eof) {
      ok = ok && begin == end;
      break;
    }
  }
  ::close(fd);
  return ok;
}

// Reads every part file of `dir`, several at once (a thread each, as many as there are cores),
// into one tally; returns how many part files there were.
size_t TallyParts(const std::string& dir, int n, uint64_t keys, Tally& tally) {
  const OutputReader listing(dir);
  const bool text = listing.format() == OutputFormat::kText;
  const size_t parts = listing.part_files().size();
  const size_t threads =
      std::max<size_t>(1, std::min<size_t>(parts, std::thread::hardware_concurrency()));
  // Part files first, first + threads, ... up to `part` go into `into`. When the fast reading
  // refuses one, they are all read again record by record (its key may repeat one of theirs):
  // an error then names the line.
  const auto tally_part = [&](size_t first, size_t part, Tally& into) {
    if (!text) return TallyPart(dir, part, n, into);
    if (TallyTextPart(listing.part_files()[part], n, into)) return;
    Tally again(n, keys);
    for (size_t earlier = first; earlier <= part; earlier += threads) {
      TallyPart(dir, earlier, n, again);
    }
    into = std::move(again);
  };
  std::vector<Tally> tallies(threads - 1, Tally(n, keys));
  std::vector<std::future<void>> running;
  for (size_t t = 1; t < threads; ++t) {
    running.push_back(std::async(std::launch::async, [&, t] {
      for (size_t part = t; part < parts; part += threads) tally_part(t, part, tallies[t - 1]);
    }));
  }
  std::exception_ptr failure;
  try {
    for (size_t part = 0; part < parts; part += threads) tally_part(0, part, tally);
  } catch (...) {
    failure = std::current_exception();
  }
  for (std::future<void>& thread : running) {
    try {
      thread.get();
    } catch (...) {
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  for (const Tally& other : tallies) {
    if (tally.Merge(other)) {
      // A key in part files that different threads read: read them again, in one tally, for
      // the file and line of its second record.
      Tally again(n, keys);
      for (size_t part = 0; part < parts; ++part) TallyPart(dir, part, n, again);
      throw std::logic_error("a key repeated across part files, then not found again");
    }
  }
  return parts;
}

// The chi-square statistic of uniformity of `sum_squares` (the sum of squared counts) over
// `keys` categories with `total` in all: sum (c - e)^2 / e = keys * sum c^2 / total - total.
double UniformityStatistic(unsigned __int128 sum_squares, uint64_t total, uint64_t keys) {
  return static_cast<double>(static_cast<long double>(sum_squares) * keys / total -
                             static_cast<long double>(total));
}

// The chi-square test of uniformity of the tallied counts over `keys` categories, those without
// a record counting 0: what report::ChiSquareUniform gives for the dense counts.
// REQUIRES: a non-zero total, keys >= 2.
ChiSquareResult TallyChiSquare(const Tally& tally, uint64_t keys) {
  ChiSquareResult r;
  r.total = tally.total;
  const double k = static_cast<double>(keys);
  r.expected = static_cast<double>(r.total) / k;
  r.statistic = UniformityStatistic(tally.sum_squares, tally.total, keys);
  r.dof = keys - 1;
  r.p_value = report::ChiSquareUpperTail(r.statistic, static_cast<double>(r.dof));
  // The key farthest from the expected count; of equals, the smallest (as the dense test): the
  // largest count or the smallest, or a key without a record.
  const double sigma = std::sqrt(r.expected * (1 - 1 / k));
  double best = -1;
  auto consider = [&](uint64_t key, uint64_t count) {
    const double z = (static_cast<double>(count) - r.expected) / sigma;
    if (std::abs(z) > best || (std::abs(z) == best && key < r.max_category)) {
      best = std::abs(z);
      r.max_category = key;
      r.max_z = z;
    }
  };
  consider(tally.max_key, tally.max_count);
  consider(tally.min_key, tally.min_count);
  if (const uint64_t absent = tally.FirstAbsent(keys); absent < keys) consider(absent, 0);
  return r;
}

// Good's serial test of the tallied n-digit counts (of `keys` = 10^n), the (n-1)-digit counts
// being those summed over their last digit. REQUIRES: n >= 2, a non-zero total.
report::SerialTestResult TallySerialTest(const Tally& tally, uint64_t keys) {
  unsigned __int128 shorter_squares = 0;
  for (uint64_t count : tally.shorter) {
    shorter_squares += static_cast<unsigned __int128>(count) * count;
  }
  report::SerialTestResult r;
  r.psi2 = UniformityStatistic(tally.sum_squares, tally.total, keys);
  r.psi2_prev = keys / 10 >= 2 ? UniformityStatistic(shorter_squares, tally.total, keys / 10) : 0;
  r.statistic = r.psi2 - r.psi2_prev;
  r.dof = keys - keys / 10;
  r.p_value = report::ChiSquareUpperTail(r.statistic, static_cast<double>(r.dof));
  return r;
}

// The counts of all `keys` keys, for the plots of n = 1 and 2.
std::vector<uint64_t> Dense(const std::vector<KeyCount>& present, uint64_t keys) {
  std::vector<uint64_t> counts(keys, 0);
  for (const KeyCount& kc : present) counts[kc.key] = kc.count;
  return counts;
}

// key,count,expected,z: for n <= 2 every key (absent ones with 0), for n >= 3 the keys present.
void WriteCountsCsv(const std::function<void(std::string_view)>& out,
                    const std::vector<KeyCount>& present, uint64_t keys, int n,
                    const ChiSquareResult& test) {
  const double k = static_cast<double>(keys);
  const double sigma = std::sqrt(test.expected * (1 - 1 / k));
  char expected[32];
  const auto expected_end = std::to_chars(expected, expected + sizeof expected, test.expected).ptr;
  const std::string_view expected_text(expected, static_cast<size_t>(expected_end - expected));
  std::string chunk = "key,count,expected,z\n";
  char num[64];
  auto row = [&](uint64_t key, uint64_t count) {
    chunk += Key(key, n);
    chunk += ',';
    chunk.append(num, std::to_chars(num, num + sizeof num, count).ptr);
    chunk += ',';
    chunk += expected_text;
    chunk += ',';
    const double z = (static_cast<double>(count) - test.expected) / sigma;
    chunk.append(num, std::to_chars(num, num + sizeof num, z, std::chars_format::fixed, 4).ptr);
    chunk += '\n';
    if (chunk.size() > (1 << 20)) {
      out(chunk);
      chunk.clear();
    }
  };
  if (n <= kAllKeysUpTo) {
    size_t next = 0;
    for (uint64_t key = 0; key < keys; ++key) {
      const bool listed = next < present.size() && present[next].key == key;
      row(key, listed ? present[next++].count : 0);
    }
  } else {
    for (const KeyCount& kc : present) row(kc.key, kc.count);
  }
  out(chunk);
}

// Columns separated by two spaces, the first left-aligned, the others right-aligned.
std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string text;
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string pad(width[c] - row[c].size(), ' ');
      line += "  " + (c == 0 ? row[c] + pad : pad + row[c]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    text += line + "\n";
  }
  return text;
}

std::string Sequences(int n) {
  return n == 1 ? "digits" : n == 2 ? "digit pairs" : std::to_string(n) + "-digit sequences";
}

std::vector<std::string> TestRow(const std::string& name, double statistic, uint64_t dof,
                                 double p) {
  return {name, WithThousands(statistic, 2), WithThousands(static_cast<double>(dof)), PValue(p)};
}

std::vector<std::string> DeviationRow(const std::string& name, const ChiSquareResult& t,
                                      uint64_t count, int n) {
  return {name,
          Key(t.max_category, n),
          WithThousands(static_cast<double>(count)),
          Expected(t.expected),
          Fixed(t.max_z, 2, true),
          Fixed(report::MedianLargestAbsZ(t.dof + 1), 2)};
}

std::string Summary(const PiReportInput& in, const PiReportResult& r,
                    const std::vector<std::string>& files) {
  const int n = in.n;
  const bool counted =
      in.digit_counts && std::any_of(in.digit_counts->begin(), in.digit_counts->end(),
                                     [](uint64_t c) { return c > 0; });
  std::ostringstream s;
  s << "Digits of pi: counts of " << (n == 1 ? "single digits" : Sequences(n)) << "\n\n";
  std::vector<std::pair<std::string, std::string>> facts;
  facts.push_back({"output", in.output_dir + " (" + std::to_string(r.part_files) +
                                 (r.part_files == 1 ? " part file)" : " part files)")});
  if (r.digits) {
    facts.push_back(
        {"digits", WithThousands(static_cast<double>(*r.digits)) + (counted ? " (job counters)" : "")});
  }
  if (n >= 2) {
    facts.push_back(
        {Sequences(n), WithThousands(static_cast<double>(r.sequences.total)) + " (overlapping)"});
  }
  facts.push_back({"keys present", WithThousands(static_cast<double>(r.keys_present)) + " of " +
                                       WithThousands(static_cast<double>(r.keys))});
  facts.push_back({"expected", Expected(r.sequences.expected) + " per key"});
  size_t label_width = 0;
  for (const auto& [label, value] : facts) label_width = std::max(label_width, label.size());
  for (const auto& [label, value] : facts) {
    s << "  " << label << ":" << std::string(label_width - label.size() + 2, ' ') << value << "\n";
  }
  if (n > kListedUpTo) {
    s << "  the part files list the keys present (key<TAB>count); the others count 0\n";
  } else if (n > kAllKeysUpTo) {
    s << "  counts.csv lists the keys present only; the others count 0\n";
  }
  if (n == 1 && counted && *r.digits != r.sequences.total) {
    s << "  note: the job counters count " << WithThousands(static_cast<double>(*r.digits))
      << " digits, the output " << WithThousands(static_cast<double>(r.sequences.total)) << "\n";
  }

  std::vector<std::vector<std::string>> tests = {{"test", "statistic", "dof", "p-value"}};
  std::vector<std::vector<std::string>> deviations = {
      {"largest deviation", "key", "count", "expected", "z (sigma)", "by chance +"}};
  if (r.digit_test) {
    tests.push_back(TestRow("chi-square, 1 digit", r.digit_test->statistic, r.digit_test->dof,
                            r.digit_test->p_value));
    deviations.push_back(
        DeviationRow("1 digit", *r.digit_test, (*in.digit_counts)[r.digit_test->max_category], 1));
  }
  const std::string seq_name = std::to_string(n) + (n == 1 ? " digit" : " digits");
  tests.push_back(TestRow("chi-square, " + seq_name + (n >= 2 ? " *" : ""), r.sequences.statistic,
                          r.sequences.dof, r.sequences.p_value));
  if (r.serial) {
    tests.push_back(TestRow("Good's serial test, " + seq_name, r.serial->statistic, r.serial->dof,
                            r.serial->p_value));
  }
  deviations.push_back(DeviationRow(seq_name, r.sequences, r.max_category_count, n));
  s << "\n" << Table(tests) << "\n" << Table(deviations);
  if (n >= 2) {
    s << "\n  * Overlapping sequences are not independent, so this statistic is not exactly\n"
         "    chi-square distributed and its p-value is only a guide. Good's serial test\n"
         "    (psi2_"
      << n << " - psi2_" << n - 1 << ") is chi-square; it takes the " << n - 1
      << "-digit counts to be the " << n << "-digit counts\n    summed over their last digit.\n";
  }
  s << "\n  + The median largest |z| among that many keys of random data (normal approximation;\n"
       "    larger when the expected count per key is small).\n";
  s << "\n  files:\n";
  for (const auto& f : files) s << "    " << f << "\n";
  return s.str();
}

std::string Subtitle(const ChiSquareResult& t) {
  return "chi-square " + Fixed(t.statistic, 2) + ", " + std::to_string(t.dof) +
         " dof, p = " + PValue(t.p_value);
}

void PlotDigits(std::span<const uint64_t> counts, const ChiSquareResult& test,
                const std::string& title, const std::string& path) {
  report::LinePlot plot;
  plot.title = title + "\n" + Subtitle(test);
  plot.x_label = "digit";
  plot.y_label = "count";
  for (size_t d = 0; d < counts.size(); ++d) {
    plot.x_labels.push_back(std::to_string(d));
    plot.values.push_back(static_cast<double>(counts[d]));
  }
  plot.series_label = "observed";
  plot.reference = test.expected;
  plot.reference_label = "expected (" + Expected(test.expected) + ")";
  plot.band = 2 * std::sqrt(test.expected * (1 - 1.0 / static_cast<double>(counts.size())));
  plot.band_label = "expected ± 2σ";
  report::PlotLine(plot, path);
}

void PlotPairs(std::span<const uint64_t> counts, const ChiSquareResult& test,
               const std::optional<report::SerialTestResult>& serial, const std::string& title,
               const std::string& path) {
  report::Heatmap map;
  map.title = title;
  if (serial) {
    map.title += "\nGood's serial test " + Fixed(serial->statistic, 2) + ", " +
                 std::to_string(serial->dof) + " dof, p = " + PValue(serial->p_value);
  }
  map.x_label = "second digit";
  map.y_label = "first digit";
  map.cb_label = "deviation from the expected " + Expected(test.expected) + " (σ)";
  map.rows = 10;
  map.cols = 10;
  const double sigma = std::sqrt(test.expected * (1 - 1.0 / 100));
  for (size_t i = 0; i < counts.size(); ++i) {
    map.values.push_back((static_cast<double>(counts[i]) - test.expected) / sigma);
    map.cell_labels.push_back(Key(i, 2));
  }
  map.center = 0;
  map.min_half_range = 3;  // so that ordinary noise stays pale
  report::PlotHeatmap(map, path);
}

}  // namespace

uint64_t PiReportResult::Count(uint64_t key) const {
  const auto it = std::lower_bound(present.begin(), present.end(), key,
                                   [](const KeyCount& kc, uint64_t k) { return kc.key < k; });
  return it != present.end() && it->key == key ? it->count : 0;
}

PiReportResult WritePiReport(const PiReportInput& in, std::ostream& out) {
  if (in.n < 1 || in.n > kMaxN) {
    throw std::invalid_argument("pi report: sequence length n must be 1.." + std::to_string(kMaxN) +
                                ", got " + std::to_string(in.n));
  }
  PiReportResult r;
  r.n = in.n;
  r.keys = 1;
  for (int i = 0; i < in.n; ++i) r.keys *= 10;
  Tally tally(in.n, r.keys);
  r.part_files = TallyParts(in.output_dir, in.n, r.keys, tally);
  r.keys_present = tally.present;
  if (tally.total == 0) {
    throw std::runtime_error("the part files in " + in.output_dir + " hold no counts (all zero)");
  }
  r.present = std::move(tally.listed);
  std::sort(r.present.begin(), r.present.end(),
            [](const KeyCount& a, const KeyCount& b) { return a.key < b.key; });
  r.sequences = TallyChiSquare(tally, r.keys);
  r.max_category_count = r.sequences.max_category == tally.max_key   ? tally.max_count
                         : r.sequences.max_category == tally.min_key ? tally.min_count
                                                                     : 0;
  if (in.n == 1) r.digits = r.sequences.total;
  const uint64_t counted_digits =
      in.digit_counts
          ? std::accumulate(in.digit_counts->begin(), in.digit_counts->end(), uint64_t{0})
          : 0;
  if (counted_digits > 0) {  // all-zero counters mean the job did not count
    r.digits = counted_digits;
    if (in.n >= 2) r.digit_test = report::ChiSquareUniform(*in.digit_counts);
  }
  if (in.n >= 2) r.serial = TallySerialTest(tally, r.keys);

  const fs::path dir(in.output_dir);
  const std::string extension = report::PlotExtension(in.plots);
  if (in.n <= kListedUpTo) r.counts_csv = (dir / "counts.csv").string();
  r.summary_txt = (dir / "summary.txt").string();
  const std::string digits_title =
      r.digits ? "Digits of pi: " + WithThousands(static_cast<double>(*r.digits)) + " digits" : "";
  // The plots are drawn while counts.csv is written: at once where there is a plotter for each
  // (report::StartPlotters), in turn on one where the run's workers left only one core.
  std::future<void> digits_drawn;
  std::future<void> pairs_drawn;
  if (in.n == 1) {
    r.digits_plot = (dir / ("digits." + extension)).string();
    digits_drawn = std::async(std::launch::async, [&] {
      PlotDigits(Dense(r.present, r.keys), r.sequences, digits_title, r.digits_plot);
    });
  } else if (r.digit_test) {
    r.digits_plot = (dir / ("digits." + extension)).string();
    digits_drawn = std::async(std::launch::async, [&] {
      PlotDigits(*in.digit_counts, *r.digit_test, digits_title, r.digits_plot);
    });
  }
  if (in.n == 2) {
    r.pairs_plot = (dir / ("pairs." + extension)).string();
    const std::string title =
        r.digits ? "Digit pairs of pi: " + WithThousands(static_cast<double>(*r.digits)) + " digits"
                 : "Digit pairs of pi: " + WithThousands(static_cast<double>(r.sequences.total)) +
                       " overlapping pairs";
    pairs_drawn = std::async(std::launch::async, [&r, title] {
      PlotPairs(Dense(r.present, r.keys), r.sequences, r.serial, title, r.pairs_plot);
    });
  }
  // A plot that fails still lets the other finish before its error goes up.
  std::exception_ptr failure;
  try {
    if (!r.counts_csv.empty()) {
      AtomicFile csv(r.counts_csv);
      WriteCountsCsv([&csv](std::string_view bytes) { csv.Write(bytes); }, r.present, r.keys, in.n,
                     r.sequences);
      csv.Commit();
    }
  } catch (...) {
    failure = std::current_exception();
  }
  for (std::future<void>* plot : {&digits_drawn, &pairs_drawn}) {
    if (!plot->valid()) continue;
    try {
      plot->get();
    } catch (...) {
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);

  std::vector<std::string> files;
  for (const std::string* f : {&r.counts_csv, &r.digits_plot, &r.pairs_plot, &r.summary_txt}) {
    if (!f->empty()) files.push_back(*f);
  }
  r.summary = Summary(in, r, files);
  WriteFileAtomically(r.summary_txt, r.summary);
  // The same plots drawn before in the other format (minimr report --plots) no longer match the
  // summary that lists these.
  for (const std::string* plot : {&r.digits_plot, &r.pairs_plot}) {
    if (plot->empty()) continue;
    for (const report::PlotFormat other : {report::PlotFormat::kPng, report::PlotFormat::kSvg}) {
      if (other == in.plots) continue;
      std::error_code ignored;
      fs::remove(fs::path(*plot).replace_extension(report::PlotExtension(other)), ignored);
    }
  }
  out << r.summary << std::flush;
  return r;
}

}  // namespace minimr::pidigits
