// Byte counts as people write them in configuration files ("8MiB", "10 MB") and as we print them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace minimr::config {

// Returns the number of bytes `text` names: a whole decimal number, then optionally spaces and a
// unit: B; KB, MB, GB, TB (powers of 1000); KiB, MiB, GiB, TiB (powers of 1024). Units are
// case-sensitive. Returns std::nullopt for anything else ("8 MiBs", "1.5GiB", "-1", " 8MiB") and
// when the count does not fit in 64 bits. "0" parses as 0; callers that need a size reject it.
std::optional<uint64_t> ParseByteSize(std::string_view text);

// Formats `bytes` for people: "512 B" below 1 KiB, otherwise one decimal in the largest binary
// unit that keeps the figure at least 1: "1.5 KiB", "8.0 MiB", "2.3 GiB" (up to EiB).
std::string FormatBytes(uint64_t bytes);

}  // namespace minimr::config
