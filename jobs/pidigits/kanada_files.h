// Digits of pi as text files in the layout of Kanada's published sets
// ("pi200m.ascii.01of20": 10-digit groups, 100 digits a line).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace minimr::pidigits {

// The file name for part `index` (1-based) of `files` parts holding `total_digits` digits,
// like Kanada's "pi200m.ascii.01of20": "pi" + the total + ".ascii." + index + "of" + files.
// The total is written with the suffix its size calls for (k for 1e3, m for 1e6, b for 1e9)
// when that is exact ("10k", "150m", "2000b"), else in full ("1500000", "999").
// Index and files are zero-padded to the width of `files`, at least 2.
// REQUIRES: 1 <= index <= files (throws std::invalid_argument otherwise).
std::string KanadaFileName(uint64_t total_digits, int index, int files);

// Writes `digits` (ASCII digits) split as evenly as possible into `files` consecutive files
// in `dir` (created if missing), named by KanadaFileName: part k (0-based) holds digits
// [k N / K, (k + 1) N / K). Each file: 10-digit groups separated by one space, 100 digits a
// line, every line ending in '\n', counted from the file's first digit (so the last line of
// a file may be shorter; a file with no digits is empty). Each file is written under a
// temporary name in `dir`, flushed to disk and renamed into place, so a crash never leaves
// a half-written file under the final name. Returns the paths in order.
// progress(fraction) is called after each file. Throws std::runtime_error naming the path
// on any I/O error, std::invalid_argument if files < 1.
std::vector<std::string> WriteKanadaFiles(std::string_view digits, int files,
                                          const std::string& dir,
                                          const std::function<void(double)>& progress = {});

}  // namespace minimr::pidigits
