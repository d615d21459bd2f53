// Exact decimal digits of pi: the Chudnovsky series summed by binary splitting on GMP
// integers, finished with an integer square root and one division.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace minimr::pidigits {

// Called from time to time with a short phase name ("series", "square root", "division",
// "decimal") and the fraction of that phase done (0..1). May be empty.
using PiProgress = std::function<void(std::string_view phase, double fraction)>;

// Returns the first `digits` decimal digits of pi AFTER the decimal point, as ASCII '0'..'9'
// ("14159..."). Exact: computes with guard digits and truncates, and recomputes with more
// guard digits in the (astronomically rare) case they cannot decide the last digit.
// Uses two threads; `progress` is only ever called on the calling thread.
// REQUIRES: 1 <= digits <= kMaxPiDigitsEver (throws std::invalid_argument otherwise); and
// memory for them (see MaxPiDigits).
std::string ComputePiDigits(uint64_t digits, const PiProgress& progress = {});

// Memory ComputePiDigits takes per digit, with a margin: 15 bytes measured at 10 million digits
// (the GMP numbers of the series and the square root, and the digits' text).
constexpr uint64_t kPiBytesPerDigit = 24;
// Beyond this GMP's numbers cannot hold the square root's 10^(2 digits): a bound for any machine.
constexpr uint64_t kMaxPiDigitsEver = 10'000'000'000;

// The most digits ComputePiDigits can compute in the memory this process may use: physical
// memory, or less under a cgroup limit or RLIMIT_AS, at kPiBytesPerDigit; at most
// kMaxPiDigitsEver. Sets *memory, if given, to that memory in bytes.
uint64_t MaxPiDigits(uint64_t* memory = nullptr);

// Why MaxPiDigits() is what it is, for messages: "more does not fit in the memory this process
// may use: 23.4 GiB at about 24 bytes a digit".
std::string MaxPiDigitsReason();

}  // namespace minimr::pidigits
