// Chi-square tests of uniformity over observed category counts, and Good's serial test for
// counts of overlapping n-grams. Pure arithmetic: no I/O, no plotting.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace minimr::report {

// The outcome of a chi-square test of the hypothesis "every category is equally likely".
struct ChiSquareResult {
  uint64_t total = 0;    // sum of the observed counts
  double expected = 0;   // expected count per category: total / k
  double statistic = 0;  // sum over categories of (observed - expected)^2 / expected
  uint64_t dof = 0;      // degrees of freedom: k - 1
  double p_value = 1;    // P(X >= statistic) for X ~ chi-square(dof)
  // The category farthest from `expected` in standard deviations, and its signed deviation
  // z = (observed - expected) / sqrt(expected (1 - 1/k)).
  size_t max_category = 0;
  double max_z = 0;
};

// Good's serial test for overlapping n-grams over an alphabet of a symbols:
// statistic = psi2_n - psi2_{n-1}, asymptotically chi-square with a^n - a^(n-1) dof, where
// psi2_m = (a^m / N_m) * sum(count^2) - N_m over the m-gram counts (N_m their total).
struct SerialTestResult {
  double psi2 = 0;       // psi2_n, of the n-gram counts
  double psi2_prev = 0;  // psi2_{n-1}, of the (n-1)-gram counts
  double statistic = 0;  // psi2 - psi2_prev
  uint64_t dof = 0;      // number of n-grams minus number of (n-1)-grams
  double p_value = 1;    // P(X >= statistic) for X ~ chi-square(dof); 1 when statistic <= 0
};

// Returns P(X >= statistic) for X ~ chi-square(dof): 1 for statistic <= 0.
// REQUIRES: dof >= 1, statistic finite; throws std::invalid_argument otherwise.
double ChiSquareUpperTail(double statistic, double dof);

// Returns the chi-square statistic of `observed` against equal expected counts; this is also
// psi2 of Good's serial test. REQUIRES: at least one category and a non-zero total; throws
// std::invalid_argument otherwise. A single category gives 0.
double UniformityStatistic(std::span<const uint64_t> observed);

// Returns the median of the largest |z| among k independent standard normal deviates: how far
// the largest of k deviations reaches by chance alone. REQUIRES: k >= 1.
double MedianLargestAbsZ(uint64_t k);

// Tests `observed` (k >= 2 categories) for uniformity.
// REQUIRES: k >= 2 and a non-zero total; throws std::invalid_argument otherwise.
ChiSquareResult ChiSquareUniform(std::span<const uint64_t> observed);

// Good's serial test of overlapping n-gram counts `ngrams` (a^n entries) given the (n-1)-gram
// counts `shorter` (a^(n-1) entries; for n = 1 pass one entry holding the total).
// REQUIRES: ngrams.size() is a multiple >= 2 of shorter.size(), both totals non-zero; throws
// std::invalid_argument otherwise.
SerialTestResult GoodSerialTest(std::span<const uint64_t> ngrams,
                                std::span<const uint64_t> shorter);

}  // namespace minimr::report
