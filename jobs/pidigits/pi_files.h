// Making the pi study's input: compute the digits, write them as Kanada-layout files, and show
// progress while doing it.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace minimr::pidigits {

// Computes `digits` decimals of pi and writes them into `files` files in `dir`, showing progress
// on `out` (live on a terminal). Returns the paths written. Throws std::runtime_error.
std::vector<std::string> GeneratePiFiles(uint64_t digits, int files, const std::string& dir,
                                         std::ostream& out);

}  // namespace minimr::pidigits
