#include "minimr/chi_square.h"

#include <cmath>
#include <cstdint>
#include <numbers>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

namespace minimr::report {
namespace {

// Closed forms of the chi-square upper tail, independent of Boost.
double TailDof1(double x) { return std::erfc(std::sqrt(x / 2)); }
double TailDof2(double x) { return std::exp(-x / 2); }
double TailDof3(double x) {
  return std::erfc(std::sqrt(x / 2)) + std::sqrt(2 * x / std::numbers::pi) * std::exp(-x / 2);
}

TEST(ChiSquareUpperTail, MatchesPublishedCriticalValues) {
  EXPECT_NEAR(ChiSquareUpperTail(16.919, 9), 0.05, 1e-4);
  EXPECT_NEAR(ChiSquareUpperTail(21.666, 9), 0.01, 1e-4);
  EXPECT_NEAR(ChiSquareUpperTail(3.841, 1), 0.05, 1e-4);
  EXPECT_NEAR(ChiSquareUpperTail(123.225, 99), 0.05, 1e-4);
}

TEST(ChiSquareUpperTail, MatchesClosedFormsForOneTwoAndThreeDof) {
  for (double x : {0.1, 1.0, 2.5, 7.0, 20.0, 60.0}) {
    EXPECT_NEAR(ChiSquareUpperTail(x, 1), TailDof1(x), 1e-12 + 1e-9 * TailDof1(x)) << x;
    EXPECT_NEAR(ChiSquareUpperTail(x, 2), TailDof2(x), 1e-12 + 1e-9 * TailDof2(x)) << x;
    EXPECT_NEAR(ChiSquareUpperTail(x, 3), TailDof3(x), 1e-12 + 1e-9 * TailDof3(x)) << x;
  }
}

TEST(ChiSquareUpperTail, IsOneAtZeroAndRejectsBadDof) {
  EXPECT_EQ(ChiSquareUpperTail(0, 9), 1.0);
  EXPECT_EQ(ChiSquareUpperTail(-1e-12, 9), 1.0);
  EXPECT_THROW(ChiSquareUpperTail(1, 0), std::invalid_argument);
  EXPECT_THROW(ChiSquareUpperTail(NAN, 3), std::invalid_argument);
}

TEST(ChiSquareUniform, PerfectlyUniformCountsGiveZeroAndPOne) {
  const std::vector<uint64_t> counts(10, 15'000'000);
  const ChiSquareResult r = ChiSquareUniform(counts);
  EXPECT_EQ(r.total, 150'000'000u);
  EXPECT_EQ(r.expected, 15'000'000.0);
  EXPECT_EQ(r.statistic, 0.0);
  EXPECT_EQ(r.dof, 9u);
  EXPECT_EQ(r.p_value, 1.0);
  EXPECT_EQ(r.max_z, 0.0);
}

TEST(ChiSquareUniform, ComputesStatisticDofAndPValue) {
  // E = 25: (13^2 + 5^2 + 3^2 + 15^2) / 25 = 428 / 25.
  const std::vector<uint64_t> counts = {12, 20, 28, 40};
  const ChiSquareResult r = ChiSquareUniform(counts);
  EXPECT_EQ(r.total, 100u);
  EXPECT_DOUBLE_EQ(r.expected, 25.0);
  EXPECT_NEAR(r.statistic, 17.12, 1e-12);
  EXPECT_EQ(r.dof, 3u);
  EXPECT_NEAR(r.p_value, TailDof3(17.12), 1e-12);
}

TEST(ChiSquareUniform, ReportsTheLargestPositiveDeviationInSigmas) {
  // sigma = sqrt(E (1 - 1/k)) = sqrt(25 * 3/4); the largest |deviation| is +15, category 3.
  const ChiSquareResult r = ChiSquareUniform(std::vector<uint64_t>{12, 20, 28, 40});
  EXPECT_EQ(r.max_category, 3u);
  EXPECT_NEAR(r.max_z, 15 / std::sqrt(18.75), 1e-12);
}

TEST(ChiSquareUniform, ReportsTheLargestNegativeDeviationWithItsSign) {
  const ChiSquareResult r = ChiSquareUniform(std::vector<uint64_t>{5, 30, 30, 35});
  EXPECT_EQ(r.max_category, 0u);
  EXPECT_NEAR(r.max_z, -20 / std::sqrt(18.75), 1e-12);
}

TEST(ChiSquareUniform, IsAccurateForLargeNearlyEqualCounts) {
  // (k/N) sum(c^2) - N would cancel catastrophically here; sum (c - E)^2 / E does not.
  std::vector<uint64_t> counts(10, 1'000'000'000'000);
  counts[0] += 1'000'000;
  counts[1] -= 1'000'000;
  // E = 1e12 exactly: (1e12 + 1e12) / 1e12 = 2.
  EXPECT_NEAR(ChiSquareUniform(counts).statistic, 2.0, 1e-9);
}

TEST(ChiSquareUniform, RejectsEmptyZeroAndSingleCategoryInput) {
  EXPECT_THROW(ChiSquareUniform(std::vector<uint64_t>{}), std::invalid_argument);
  EXPECT_THROW(ChiSquareUniform(std::vector<uint64_t>{0, 0, 0}), std::invalid_argument);
  EXPECT_THROW(ChiSquareUniform(std::vector<uint64_t>{7}), std::invalid_argument);
  EXPECT_THROW(UniformityStatistic(std::vector<uint64_t>{}), std::invalid_argument);
}

TEST(UniformityStatistic, EqualsPsi2Formula) {
  const std::vector<uint64_t> counts = {3, 9, 4, 0, 7};  // N = 23, k = 5
  const double psi2 = 5.0 / 23 * (9 + 81 + 16 + 0 + 49) - 23;
  EXPECT_NEAR(UniformityStatistic(counts), psi2, 1e-12);
  EXPECT_EQ(UniformityStatistic(std::vector<uint64_t>{42}), 0.0);
}

TEST(MedianLargestAbsZ, IsTheMedianOfTheLargestOfKNormalDeviates) {
  EXPECT_NEAR(MedianLargestAbsZ(1), 0.6744897501960817, 1e-12);  // the median of |Z|
  for (uint64_t k : {1u, 10u, 100u, 1'000'000u}) {
    const double z = MedianLargestAbsZ(k);
    // P(max of k |Z| <= z) = P(|Z| <= z)^k = erf(z / sqrt 2)^k must be 1/2.
    EXPECT_NEAR(std::pow(std::erf(z / std::numbers::sqrt2), static_cast<double>(k)), 0.5, 1e-9)
        << k;
  }
  EXPECT_THROW(MedianLargestAbsZ(0), std::invalid_argument);
}

TEST(GoodSerialTest, MatchesHandComputationOnATinyBinarySequence) {
  // The circular binary sequence 00000111: one-symbol counts 0:5 1:3, overlapping pairs
  // 00:4 01:1 10:1 11:2 (N = 8 for both).
  // psi2_1 = (2/8)(25 + 9) - 8 = 0.5; psi2_2 = (4/8)(16 + 1 + 1 + 4) - 8 = 3.
  const SerialTestResult r =
      GoodSerialTest(std::vector<uint64_t>{4, 1, 1, 2}, std::vector<uint64_t>{5, 3});
  EXPECT_NEAR(r.psi2, 3.0, 1e-12);
  EXPECT_NEAR(r.psi2_prev, 0.5, 1e-12);
  EXPECT_NEAR(r.statistic, 2.5, 1e-12);
  EXPECT_EQ(r.dof, 2u);
  EXPECT_NEAR(r.p_value, TailDof2(2.5), 1e-12);
}

TEST(GoodSerialTest, OfDigitPairsFromACycleOfAllTenDigits) {
  // The circular sequence 0123456789: each digit once (psi2_1 = 0) and ten distinct pairs
  // 01, 12, ..., 90 once each among 100 (psi2_2 = (100/10) * 10 - 10 = 90).
  std::vector<uint64_t> pairs(100, 0);
  for (int d = 0; d < 10; ++d) ++pairs[static_cast<size_t>(d * 10 + (d + 1) % 10)];
  const SerialTestResult r = GoodSerialTest(pairs, std::vector<uint64_t>(10, 1));
  EXPECT_NEAR(r.psi2, 90.0, 1e-9);
  EXPECT_NEAR(r.psi2_prev, 0.0, 1e-12);
  EXPECT_NEAR(r.statistic, 90.0, 1e-9);
  EXPECT_EQ(r.dof, 90u);
  EXPECT_NEAR(r.p_value, ChiSquareUpperTail(90.0, 90), 1e-15);
}

TEST(GoodSerialTest, ForSingleSymbolsIsThePlainChiSquare) {
  const std::vector<uint64_t> counts = {12, 20, 28, 40};
  const SerialTestResult r = GoodSerialTest(counts, std::vector<uint64_t>{100});
  EXPECT_NEAR(r.statistic, 17.12, 1e-12);
  EXPECT_EQ(r.dof, 3u);
}

TEST(GoodSerialTest, GivesPOneWhenTheDifferenceIsNotPositive) {
  // Uniform pairs, non-uniform symbols: psi2_2 = 0 < psi2_1.
  const SerialTestResult r =
      GoodSerialTest(std::vector<uint64_t>{2, 2, 2, 2}, std::vector<uint64_t>{5, 3});
  EXPECT_LT(r.statistic, 0);
  EXPECT_EQ(r.p_value, 1.0);
}

TEST(GoodSerialTest, RejectsMismatchedSizesAndZeroTotals) {
  EXPECT_THROW(GoodSerialTest(std::vector<uint64_t>{1, 2, 3}, std::vector<uint64_t>{1, 2}),
               std::invalid_argument);
  EXPECT_THROW(GoodSerialTest(std::vector<uint64_t>{1, 2}, std::vector<uint64_t>{1, 2}),
               std::invalid_argument);
  EXPECT_THROW(GoodSerialTest(std::vector<uint64_t>{1, 2}, std::vector<uint64_t>{}),
               std::invalid_argument);
  EXPECT_THROW(GoodSerialTest(std::vector<uint64_t>{0, 0, 0, 0}, std::vector<uint64_t>{1, 1}),
               std::invalid_argument);
  EXPECT_THROW(GoodSerialTest(std::vector<uint64_t>{1, 0, 0, 0}, std::vector<uint64_t>{0, 0}),
               std::invalid_argument);
}

}  // namespace
}  // namespace minimr::report
