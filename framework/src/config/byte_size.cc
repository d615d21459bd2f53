#include "framework/src/config/byte_size.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <limits>

#include "minimr/number_parse.h"

namespace minimr::config {

namespace {

struct Unit {
  std::string_view name;
  uint64_t factor;
};

constexpr uint64_t kKi = uint64_t{1} << 10;
constexpr Unit kUnits[] = {
    {"B", 1},
    {"KB", 1000},
    {"MB", 1000 * 1000},
    {"GB", 1000 * 1000 * 1000},
    {"TB", uint64_t{1000} * 1000 * 1000 * 1000},
    {"KiB", kKi},
    {"MiB", kKi* kKi},
    {"GiB", kKi* kKi* kKi},
    {"TiB", kKi* kKi* kKi* kKi},
};

}  // namespace

std::optional<uint64_t> ParseByteSize(std::string_view text) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  const size_t digits = std::min(text.find_first_not_of("0123456789"), text.size());
  const std::optional<uint64_t> parsed = ParseUnsigned(text.substr(0, digits));
  if (!parsed) return std::nullopt;  // no digits, or more than 64 bits
  const uint64_t count = *parsed;
  std::string_view rest = text.substr(digits);
  if (rest.empty()) return count;
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  for (const Unit& unit : kUnits) {
    if (rest == unit.name) {
      if (count > kMax / unit.factor) return std::nullopt;
      return count * unit.factor;
    }
  }
  return std::nullopt;
}

std::string FormatBytes(uint64_t bytes) {
  if (bytes < kKi) return std::to_string(bytes) + " B";
  static constexpr const char* kNames[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  constexpr int kLast = static_cast<int>(std::size(kNames)) - 1;
  double value = static_cast<double>(bytes) / static_cast<double>(kKi);
  int unit = 0;
  // Move up while the figure would print as 1024.0 or more, so 1048575 reads "1.0 MiB".
  while (value >= 1023.95 && unit < kLast) {
    value /= static_cast<double>(kKi);
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f %s", value, kNames[unit]);
  return buf;
}

}  // namespace minimr::config
