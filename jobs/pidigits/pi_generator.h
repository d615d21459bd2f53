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
// REQUIRES: digits >= 1 (throws std::invalid_argument otherwise).
std::string ComputePiDigits(uint64_t digits, const PiProgress& progress = {});

}  // namespace minimr::pidigits
