#include "minimr/chi_square.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include <boost/math/special_functions/erf.hpp>
#include <boost/math/special_functions/gamma.hpp>

namespace minimr::report {
namespace {

uint64_t Total(std::span<const uint64_t> counts, const char* what) {
  if (counts.empty()) throw std::invalid_argument(std::string(what) + ": no categories");
  uint64_t total = 0;
  for (uint64_t c : counts) {
    if (total + c < total) throw std::invalid_argument(std::string(what) + ": total overflows");
    total += c;
  }
  if (total == 0) throw std::invalid_argument(std::string(what) + ": all counts are zero");
  return total;
}

// sum (c - E)^2 / E, which equals (k / N) sum(c^2) - N without its cancellation.
double Statistic(std::span<const uint64_t> counts, uint64_t total) {
  const long double expected = static_cast<long double>(total) / counts.size();
  long double sum = 0;
  for (uint64_t c : counts) {
    const long double d = static_cast<long double>(c) - expected;
    sum += d * d;
  }
  return static_cast<double>(sum / expected);
}

}  // namespace

double ChiSquareUpperTail(double statistic, double dof) {
  if (!(dof >= 1) || !std::isfinite(dof) || !std::isfinite(statistic)) {
    throw std::invalid_argument("chi-square tail: needs dof >= 1 and a finite statistic, got dof " +
                                std::to_string(dof) + ", statistic " + std::to_string(statistic));
  }
  if (statistic <= 0) return 1.0;
  return boost::math::gamma_q(dof / 2, statistic / 2);
}

double MedianLargestAbsZ(uint64_t k) {
  if (k == 0) throw std::invalid_argument("median largest |z|: needs k >= 1");
  // P(max |Z| <= z) = (1 - erfc(z / sqrt 2))^k = 1/2  <=>  erfc(z / sqrt 2) = 1 - 2^(-1/k).
  const double tail = -std::expm1(std::log(0.5) / static_cast<double>(k));
  return std::sqrt(2.0) * boost::math::erfc_inv(tail);
}

double UniformityStatistic(std::span<const uint64_t> observed) {
  return Statistic(observed, Total(observed, "uniformity statistic"));
}

ChiSquareResult ChiSquareUniform(std::span<const uint64_t> observed) {
  if (observed.size() < 2) {
    throw std::invalid_argument("chi-square test: needs at least 2 categories, got " +
                                std::to_string(observed.size()));
  }
  ChiSquareResult r;
  r.total = Total(observed, "chi-square test");
  const double k = static_cast<double>(observed.size());
  r.expected = static_cast<double>(r.total) / k;
  r.statistic = Statistic(observed, r.total);
  r.dof = observed.size() - 1;
  r.p_value = ChiSquareUpperTail(r.statistic, static_cast<double>(r.dof));
  const double sigma = std::sqrt(r.expected * (1 - 1 / k));
  double max_abs = -1;
  for (size_t i = 0; i < observed.size(); ++i) {
    const double z = (static_cast<double>(observed[i]) - r.expected) / sigma;
    if (std::abs(z) > max_abs) {
      max_abs = std::abs(z);
      r.max_category = i;
      r.max_z = z;
    }
  }
  return r;
}

SerialTestResult GoodSerialTest(std::span<const uint64_t> ngrams,
                                std::span<const uint64_t> shorter) {
  if (shorter.empty() || ngrams.size() < 2 * shorter.size() ||
      ngrams.size() % shorter.size() != 0) {
    throw std::invalid_argument(
        "serial test: the n-gram counts must number a multiple >= 2 of the (n-1)-gram counts, "
        "got " +
        std::to_string(ngrams.size()) + " and " + std::to_string(shorter.size()));
  }
  SerialTestResult r;
  r.psi2 = Statistic(ngrams, Total(ngrams, "serial test, n-gram counts"));
  r.psi2_prev = Statistic(shorter, Total(shorter, "serial test, (n-1)-gram counts"));
  r.statistic = r.psi2 - r.psi2_prev;
  r.dof = ngrams.size() - shorter.size();
  r.p_value = ChiSquareUpperTail(r.statistic, static_cast<double>(r.dof));
  return r;
}

}  // namespace minimr::report
