// The report of the digits-of-pi study: reads a finished pidigits job's output (records
// "<n digits>" -> "<count>", through minimr/output.h in either output format) and writes
// counts.csv (up to n = 5), summary.txt and plots (PNG or SVG) beside its part files.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "minimr/chi_square.h"
#include "minimr/count_blocks.h"
#include "minimr/plot.h"

namespace minimr::pidigits {

struct PiReportInput {
  std::string output_dir;  // where part-r-* are and where the report files go
  int n = 1;               // sequence length 1..8
  // Exact one-digit counts of the whole input if the job measured them (counters), else empty.
  std::optional<std::array<uint64_t, 10>> digit_counts;
  report::PlotFormat plots = report::PlotFormat::kPng;  // digits.png or digits.svg, and so on
};

// A key that occurs in the output (KeyCount): its n digits read as a number ("07" -> 7), and its
// count.

// What WritePiReport computed and wrote.
struct PiReportResult {
  int n = 0;
  size_t part_files = 0;
  uint64_t keys = 0;              // how many keys there can be: 10^n
  uint64_t keys_present = 0;      // distinct keys found in the part files
  // Up to n = 5, those keys with their counts, by key (beyond, none: the part files list them).
  std::vector<KeyCount> present;
  // The count of `key` (0..10^n-1): 0 when it does not occur. REQUIRES: n <= 5.
  uint64_t Count(uint64_t key) const;
  uint64_t max_category_count = 0;  // the count of sequences.max_category
  // Digits in the input: the sum of digit_counts, or else the total count if n == 1.
  std::optional<uint64_t> digits;
  report::ChiSquareResult sequences;  // uniformity of the n-digit counts (approximate if n >= 2)
  // Uniformity of digit_counts, when given and n >= 2 (for n == 1 `sequences` is that test).
  std::optional<report::ChiSquareResult> digit_test;
  // n >= 2: Good's serial test, the (n-1)-digit counts being the n-digit counts summed over
  // their last digit (always available, and with the same total as the n-digit counts).
  std::optional<report::SerialTestResult> serial;
  std::string summary;     // the text printed and written to summary.txt
  std::string counts_csv;  // paths written; empty when not written
  std::string summary_txt;
  std::string digits_plot;
  std::string pairs_plot;
};

// Reads the part files of in.output_dir (a thread for each, up to the number of cores) and
// writes there, each through a temporary file and a rename: counts.csv up to n = 5
// (key,count,expected,z: for n <= 2 every one of the 10^n keys, for n >= 3 only the keys that
// occur, so that it grows with the input and not with 10^n; beyond n = 5 the part files are
// the list; the summary says how many of the 10^n occur), digits.png or .svg (in.plots; one-digit
// counts: the output's when n == 1, else digit_counts' when given), pairs.png or .svg (n == 2: a
// 10x10 heat-map)
// and summary.txt, which is also printed to `out`.
// Throws std::invalid_argument if n is not 1..8; std::runtime_error naming the file and line
// for a malformed part file (bad key, bad count, repeated key), when there are no part files
// or their counts are all zero, and when a file cannot be written (saying why: "No space left
// on device") or gnuplot fails.
PiReportResult WritePiReport(const PiReportInput& in, std::ostream& out);

}  // namespace minimr::pidigits
