// Whole numbers read from text the one way every part of minimr reads them: job files, -D
// overrides, job parameters and command-line options. Strict and range-checked, so that "-5"
// never wraps to a huge unsigned count and "1e9" or " 8" is not taken for a number.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace minimr {

// Returns the decimal whole number `text` (an optional '-', then digits, nothing else: no
// spaces, '+', "0x" or exponent) if it lies in [low, high]; std::nullopt otherwise, including
// when it does not fit in 64 bits.
std::optional<int64_t> ParseInteger(std::string_view text, int64_t low, int64_t high);

// The same for unsigned counts: digits only, at most `high`.
std::optional<uint64_t> ParseUnsigned(std::string_view text, uint64_t high = UINT64_MAX);

// For messages: "a whole number from 1 to 10,000" ("a whole number of at least 0" when `high`
// is INT64_MAX). Callers write "expected " + DescribeIntegerRange(...) + ", got '...'".
std::string DescribeIntegerRange(int64_t low, int64_t high);

}  // namespace minimr
