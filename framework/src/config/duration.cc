#include "framework/src/config/duration.h"

#include <algorithm>
#include <cstdint>

#include "minimr/number_parse.h"

namespace minimr::config {

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  const size_t digits = std::min(text.find_first_not_of("0123456789"), text.size());
  const std::optional<uint64_t> parsed = ParseUnsigned(text.substr(0, digits));
  if (!parsed) return std::nullopt;
  const uint64_t count = *parsed;
  const std::string_view unit = text.substr(digits);
  uint64_t factor = 0;
  if (unit == "ms") factor = 1;
  if (unit == "s") factor = 1000;
  if (unit == "m") factor = 60 * 1000;
  if (unit == "h") factor = 3600 * 1000;
  if (factor == 0) return std::nullopt;
  // Nothing minimr waits for is longer than a year; more is a mistake (and would overflow).
  constexpr uint64_t kMax = uint64_t{366} * 24 * 3600 * 1000;
  if (count > kMax / factor) return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(count * factor));
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  int64_t ms = duration.count();
  if (ms % 3600000 == 0 && ms != 0) return std::to_string(ms / 3600000) + "h";
  if (ms % 60000 == 0 && ms != 0) return std::to_string(ms / 60000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace minimr::config
