#include "framework/src/config/byte_size.h"

#include <cstdio>
#include <iterator>
#include <limits>

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
  size_t i = 0;
  uint64_t count = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    const uint64_t digit = static_cast<uint64_t>(text[i] - '0');
    if (count > (kMax - digit) / 10) return std::nullopt;
    count = count * 10 + digit;
    ++i;
  }
  if (i == 0) return std::nullopt;  // no digits
  std::string_view rest = text.substr(i);
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
