#include "framework/src/shuffle/run_merger.h"

#include <unistd.h>

#include <algorithm>

#include "framework/src/shuffle/merger.h"

namespace minimr::shuffle {

RunFile MergeRunFiles(const std::vector<RunFile>& inputs, const std::string& path,
                      size_t read_piece) {
  const int partitions = static_cast<int>(inputs.front().index.size()) - 1;
  RunWriter out(path, partitions, read_piece);
  for (int p = 0; p < partitions; ++p) {
    out.StartPartition(p);
    std::vector<std::unique_ptr<RecordSource>> sources;
    for (const RunFile& run : inputs) {
      const uint64_t begin = run.index[p], end = run.index[p + 1];
      if (end > begin) sources.push_back(OpenFileRun(run.path, begin, end - begin, read_piece));
    }
    MergeGroups(std::move(sources), [&](std::string_view key, ValueIterator& values) {
      std::string_view value;
      while (values.Next(&value)) out.Emit(key, value);
    });
  }
  return out.Commit();
}

size_t FirstMergeWidth(size_t runs, size_t target, int merge_factor) {
  if (runs <= target) return 0;
  // Each merge of k runs removes k - 1. Merging the fewest first, so that every later merge is a
  // full one, rewrites the fewest bytes (the smallest runs are the ones merged again).
  const size_t step = static_cast<size_t>(merge_factor) - 1;
  const size_t excess = runs - target;
  const size_t first = (excess - 1) % step + 1;
  return first + 1;
}

int MergeDown(std::vector<RunFile>* runs, size_t target, int merge_factor, size_t read_piece,
              const std::function<std::string()>& new_path) {
  int merges = 0;
  for (size_t width; (width = FirstMergeWidth(runs->size(), target, merge_factor)) > 0;) {
    std::sort(runs->begin(), runs->end(),
              [](const RunFile& a, const RunFile& b) { return a.size() < b.size(); });
    std::vector<RunFile> inputs(runs->begin(), runs->begin() + width);
    RunFile merged = MergeRunFiles(inputs, new_path(), read_piece);
    runs->erase(runs->begin(), runs->begin() + width);
    runs->push_back(std::move(merged));
    for (const RunFile& input : inputs) ::unlink(input.path.c_str());
    ++merges;
  }
  return merges;
}

}  // namespace minimr::shuffle
