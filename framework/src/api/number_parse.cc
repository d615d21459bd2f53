#include "minimr/number_parse.h"

#include <charconv>
#include <limits>
#include <string>

namespace minimr {

namespace {

// Every byte is a digit, after an optional leading '-' when `sign` is allowed.
bool IsWholeNumber(std::string_view text, bool sign) {
  if (sign && !text.empty() && text.front() == '-') text.remove_prefix(1);
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// WithThousands goes through a double, which is exact only up to 2^53.
std::string Grouped(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -(value + 1) + uint64_t{1} : uint64_t(value));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

}  // namespace

std::optional<int64_t> ParseInteger(std::string_view text, int64_t low, int64_t high) {
  if (!IsWholeNumber(text, /*sign=*/true)) return std::nullopt;
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (value < low || value > high) return std::nullopt;
  return value;
}

std::optional<uint64_t> ParseUnsigned(std::string_view text, uint64_t high) {
  if (!IsWholeNumber(text, /*sign=*/false)) return std::nullopt;
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value > high) {
    return std::nullopt;
  }
  return value;
}

std::string DescribeIntegerRange(int64_t low, int64_t high) {
  if (high == std::numeric_limits<int64_t>::max()) {
    return "a whole number of at least " + Grouped(low);
  }
  return "a whole number from " + Grouped(low) + " to " + Grouped(high);
}

}  // namespace minimr
