// Durations as people write them in configuration files and options: "500ms", "10s", "2m", "1h".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace minimr::config {

// A whole number followed by a unit: ms, s, m or h. Returns std::nullopt for anything else
// ("10", "1.5s", "-1s", "10 s") and for more than a year.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

// "250ms", "10s", "2m" (the largest unit that keeps the figure whole).
std::string FormatDuration(std::chrono::milliseconds duration);

}  // namespace minimr::config
