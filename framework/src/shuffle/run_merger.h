// Merging sorted run files into fewer, bigger ones, a bounded number at a time.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "framework/src/shuffle/run_writer.h"

namespace minimr::shuffle {

// Merges `inputs` into one run file at `path`: its partition p holds every record of the inputs'
// partitions p, sorted. Reads each input `read_piece` bytes at a time. REQUIRES: the inputs have
// the same number of partitions. Leaves the inputs in place.
RunFile MergeRunFiles(const std::vector<RunFile>& inputs, const std::string& path,
                      size_t read_piece);

// How many of the smallest of `runs` runs to merge first so that, merging at most `merge_factor`
// at a time, `runs` come down to `target` in the fewest bytes rewritten: 0 if runs <= target.
// REQUIRES: 2 <= merge_factor, 1 <= target <= merge_factor.
size_t FirstMergeWidth(size_t runs, size_t target, int merge_factor);

// Merges the smallest of *runs together, at most `merge_factor` at a time, until no more than
// `target` remain; each merge's output is named by `new_path()`, its inputs are deleted. Returns
// the number of merges. REQUIRES as FirstMergeWidth.
int MergeDown(std::vector<RunFile>* runs, size_t target, int merge_factor, size_t read_piece,
              const std::function<std::string()>& new_path);

}  // namespace minimr::shuffle
