#include "pidigits/pi_generator.h"

#include <gmp.h>
#include <gmpxx.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <future>
#include <stdexcept>
#include <string>
#include <utility>

namespace minimr::pidigits {
namespace {

static_assert(sizeof(unsigned long) >= 8, "term factors are handed to GMP as unsigned long");

// Chudnovsky: 1/pi = 12 sum_k (-1)^k (6k)! (A + B k) / ((3k)! (k!)^3 640320^(3k + 3/2)),
// so pi = 426880 sqrt(10005) Q / T with P, Q, T from binary splitting below.
constexpr unsigned long kA = 13591409;
constexpr unsigned long kB = 545140134;
constexpr unsigned long kC3Over24 = 10939058860032000;  // 640320^3 / 24
// log10(640320^3 / 1728): each term adds this many correct digits.
constexpr double kDigitsPerTerm = 14.181647462725477;
constexpr uint64_t kGuardDigits = 16;
// |computed - pi 10^(digits + guard)| is below 1.1 (0.04 from the square root's floor,
// under 1 from the final floor, far less from truncating Q and T); this leaves a margin.
constexpr unsigned long kErrorBound = 10;
constexpr auto kPollInterval = std::chrono::milliseconds(100);

// Binary-splitting values of the terms [a, b): T / Q is their sum relative to term a's
// prefactor, and P is the ratio that carries the prefactor on to term b.
struct Range {
  mpz_class p, q, t;
};

class Series {
 public:
  // Sets *r to the P, Q, T of the terms [a, b); r->p is meaningful only if need_p.
  // REQUIRES: a < b. Safe to call from several threads on disjoint ranges.
  void Split(uint64_t a, uint64_t b, bool need_p, Range* r) {
    if (b - a == 1) {
      Leaf(a, r);
      done_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    const uint64_t m = a + (b - a) / 2;
    Split(a, m, true, r);
    Range right;
    Split(m, b, need_p, &right);
    // T = T_l Q_r + P_l T_r, Q = Q_l Q_r, P = P_l P_r.
    r->t *= right.q;
    right.t *= r->p;
    r->t += right.t;
    r->q *= right.q;
    if (need_p) r->p *= right.p;
  }

  // Leaves finished so far, readable from any thread.
  uint64_t done() const { return done_.load(std::memory_order_relaxed); }

 private:
  // P = -(6a-5)(2a-1)(6a-1), Q = a^3 640320^3 / 24, T = P (A + B a); 1, 1, A for a = 0.
  static void Leaf(uint64_t a, Range* r) {
    mpz_ptr p = r->p.get_mpz_t();
    mpz_ptr q = r->q.get_mpz_t();
    if (a == 0) {
      mpz_set_ui(p, 1);
      mpz_set_ui(q, 1);
      mpz_set_ui(r->t.get_mpz_t(), kA);
      return;
    }
    mpz_set_ui(p, 6 * a - 5);
    mpz_mul_ui(p, p, 2 * a - 1);
    mpz_mul_ui(p, p, 6 * a - 1);
    mpz_neg(p, p);
    mpz_set_ui(q, a);
    mpz_mul_ui(q, q, a);
    mpz_mul_ui(q, q, a);
    mpz_mul_ui(q, q, kC3Over24);
    mpz_mul_ui(r->t.get_mpz_t(), p, kA + kB * a);
  }

  std::atomic<uint64_t> done_{0};
};

void Report(const PiProgress& progress, std::string_view phase, double fraction) {
  if (progress) progress(phase, fraction);
}

// Runs a on a new thread and b on this one; returns when both are done, rethrowing errors.
template <typename A, typename B>
void RunBoth(A&& a, B&& b) {
  auto a_done = std::async(std::launch::async, std::forward<A>(a));
  std::forward<B>(b)();
  a_done.get();
}

// Drops the low bits of *x so it keeps at most `keep`; returns how many were dropped.
size_t Truncate(mpz_class* x, size_t keep) {
  const size_t bits = mpz_sizeinbase(x->get_mpz_t(), 2);
  if (bits <= keep) return 0;
  mpz_fdiv_q_2exp(x->get_mpz_t(), x->get_mpz_t(), bits - keep);
  return bits - keep;
}

// Returns x in decimal, zero-padded to `digits` characters, converting the two halves on
// two threads. REQUIRES: 0 <= x < 10^digits, half_power = 10^(digits / 2).
std::string DecimalString(const mpz_class& x, size_t digits, const mpz_class& half_power) {
  mpz_class high, low;
  mpz_tdiv_qr(high.get_mpz_t(), low.get_mpz_t(), x.get_mpz_t(), half_power.get_mpz_t());
  std::string out(digits, '0');
  const size_t split = digits - digits / 2;  // high fills [0, split), low [split, digits)
  auto put = [&out](const mpz_class& part, size_t begin, size_t end) {
    if (part == 0) return;
    std::string s(mpz_sizeinbase(part.get_mpz_t(), 10) + 2, '\0');
    mpz_get_str(s.data(), 10, part.get_mpz_t());
    const size_t len = std::strlen(s.c_str());
    if (len > end - begin) throw std::logic_error("DecimalString: value does not fit");
    std::memcpy(out.data() + end - len, s.data(), len);  // not replace(): it sets the length
  };
  RunBoth([&] { put(high, 0, split); }, [&] { put(low, split, digits); });
  return out;
}

// Sets *out to the digits of pi after the point and returns true, or returns false if
// `guard` guard digits cannot decide the last one.
bool TryComputePiDigits(uint64_t digits, uint64_t guard, const PiProgress& progress,
                        std::string* out) {
  const uint64_t w = digits + guard;  // working digits after the point
  const uint64_t terms = static_cast<uint64_t>(static_cast<double>(w) / kDigitsPerTerm) + 2;
  // Bits that pi 10^w needs, plus a wide margin; Q, T and their products are cut to this.
  const size_t keep = static_cast<size_t>(static_cast<double>(w) * std::log2(10.0)) + 128;

  // Series: the two halves of the top split on two threads, reported from this one.
  Report(progress, "series", 0);
  Series series;
  Range left, right;
  const uint64_t mid = terms / 2;
  auto left_done = std::async(std::launch::async, [&] { series.Split(0, mid, true, &left); });
  auto right_done =
      std::async(std::launch::async, [&] { series.Split(mid, terms, false, &right); });
  for (auto* f : {&left_done, &right_done}) {
    while (f->wait_for(kPollInterval) != std::future_status::ready) {
      Report(progress, "series", static_cast<double>(series.done()) / terms);
    }
  }
  left_done.get();
  right_done.get();

  // Top merge T = T_l Q_r + P_l T_r on factors cut to about `keep` bits: T_l and P_l lose
  // the same low bits, as do Q_r and T_r, so both products share one scale, and T moves by
  // less than 2^(60 - keep) of itself (T_r / Q_r < 2^60; P_l T_r is the smaller product).
  const size_t left_shift = Truncate(&left.t, keep);
  mpz_fdiv_q_2exp(left.p.get_mpz_t(), left.p.get_mpz_t(), left_shift);
  const size_t right_shift = Truncate(&right.q, keep);
  mpz_fdiv_q_2exp(right.t.get_mpz_t(), right.t.get_mpz_t(), right_shift);
  RunBoth([&] { left.t *= right.q; }, [&] { right.t *= left.p; });
  mpz_class t = left.t + right.t;
  int64_t t_shift = left_shift + right_shift;
  left.t = left.p = right.t = 0;
  Report(progress, "series", 1);

  // Q = Q_l Q_r and ratio ~ 2^ratio_shift Q / T on one thread; meanwhile
  // root = 426880 floor(sqrt(10005) 10^w) and the power the decimal conversion needs.
  Report(progress, "square root", 0);
  mpz_class ratio, root, half_power;
  int64_t ratio_shift = 0;
  RunBoth(
      [&] {
        int64_t q_shift = Truncate(&left.q, keep) + right_shift;
        mpz_class q = left.q * right.q;
        left.q = right.q = 0;
        q_shift += Truncate(&q, keep);
        t_shift += Truncate(&t, keep);
        // ratio = Q T^-1 2^extra keeps at least `keep` + 64 bits.
        const size_t q_bits = mpz_sizeinbase(q.get_mpz_t(), 2);
        const size_t t_bits = mpz_sizeinbase(t.get_mpz_t(), 2);
        const size_t extra = keep + 64 + (t_bits > q_bits ? t_bits - q_bits : 0);
        mpz_mul_2exp(q.get_mpz_t(), q.get_mpz_t(), extra);
        mpz_fdiv_q(ratio.get_mpz_t(), q.get_mpz_t(), t.get_mpz_t());
        t = 0;
        ratio_shift = static_cast<int64_t>(extra) + t_shift - q_shift;
      },
      [&] {
        mpz_ui_pow_ui(root.get_mpz_t(), 10, 2 * w);
        root *= 10005;
        mpz_sqrt(root.get_mpz_t(), root.get_mpz_t());
        root *= 426880;
        mpz_ui_pow_ui(half_power.get_mpz_t(), 10, (digits + 1) / 2);
      });
  Report(progress, "square root", 1);

  // pi 10^w = 426880 sqrt(10005) 10^w Q / T.
  Report(progress, "division", 0);
  mpz_class x = root * ratio;
  root = ratio = 0;
  // Q < T, so a ratio of keep + 64 bits means a shift of more than that.
  if (ratio_shift <= 0) throw std::logic_error("ComputePiDigits: internal error, bad scale");
  mpz_fdiv_q_2exp(x.get_mpz_t(), x.get_mpz_t(), static_cast<mp_bitcnt_t>(ratio_shift));
  // x is within kErrorBound of pi 10^w; the digits kept are right unless the guard
  // digits are that close to a multiple of 10^guard.
  mpz_class scale;
  mpz_ui_pow_ui(scale.get_mpz_t(), 10, guard);
  mpz_class low = x % scale;
  if (low < kErrorBound || low > scale - kErrorBound) return false;
  mpz_tdiv_q(x.get_mpz_t(), x.get_mpz_t(), scale.get_mpz_t());
  Report(progress, "division", 1);

  // x = 3 14159...: digits + 1 decimal digits.
  Report(progress, "decimal", 0);
  std::string s = DecimalString(x, digits + 1, half_power);
  if (s[0] != '3') {
    throw std::logic_error("ComputePiDigits: internal error, result is not 3.14...");
  }
  s.erase(0, 1);
  *out = std::move(s);
  Report(progress, "decimal", 1);
  return true;
}

}  // namespace

std::string ComputePiDigits(uint64_t digits, const PiProgress& progress) {
  if (digits == 0) throw std::invalid_argument("ComputePiDigits: digits must be at least 1");
  if (digits > kMaxPiDigitsEver) {
    throw std::invalid_argument("ComputePiDigits: at most " + std::to_string(kMaxPiDigitsEver) +
                                " digits, got " + std::to_string(digits));
  }
  std::string out;
  for (uint64_t guard = kGuardDigits;; guard += kGuardDigits) {
    if (TryComputePiDigits(digits, guard, progress, &out)) return out;
  }
}

uint64_t MaxPiDigits(uint64_t* memory) {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  uint64_t bytes = pages > 0 && page_size > 0 ? uint64_t(pages) * uint64_t(page_size) : 0;
  auto lower_to = [&bytes](uint64_t limit) {
    if (limit > 0 && (bytes == 0 || limit < bytes)) bytes = limit;
  };
  struct rlimit limit;
  if (::getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    lower_to(limit.rlim_cur);
  }
  // A container's memory: cgroup v2 ("max" when there is no limit), else v1.
  for (const char* path :
       {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream in(path);
    unsigned long long value = 0;
    if (in >> value) lower_to(value);
  }
  if (memory) *memory = bytes;
  return std::min(bytes / kPiBytesPerDigit, kMaxPiDigitsEver);
}

std::string MaxPiDigitsReason() {
  uint64_t memory = 0;
  if (MaxPiDigits(&memory) == kMaxPiDigitsEver) {
    return "GMP's numbers cannot hold the square root of more";
  }
  char text[160];
  std::snprintf(
      text, sizeof text,
      "more does not fit in the memory this process may use: %.1f GiB at about %llu bytes a digit",
      static_cast<double>(memory) / (1 << 30), static_cast<unsigned long long>(kPiBytesPerDigit));
  return text;
}

}  // namespace minimr::pidigits
