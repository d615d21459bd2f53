#include <stdexcept>
#include <string>

#include "minimr/codec.h"
#include "minimr/input.h"

namespace minimr {
namespace {

class RowRangeReader : public RecordReader {
 public:
  RowRangeReader(uint64_t first, uint64_t count) : next_(first), end_(first + count) {}

  bool Next(std::string_view* key, std::string_view* value) override {
    if (next_ >= end_) return false;
    key_.clear();
    Codec<uint64_t>::Encode(next_++, key_);
    *key = key_;
    *value = {};
    return true;
  }

  // A generator reads no bytes.
  uint64_t bytes_read() const override { return 0; }

 private:
  uint64_t next_;
  uint64_t end_;
  std::string key_;
};

}  // namespace

std::unique_ptr<RecordReader> RowRangeInputFormat::Open(const InputFiles& files,
                                                        const InputSplit& split,
                                                        TaskContext& context) {
  (void)files;
  (void)context;
  if (split.file_index != kSyntheticSplit) {
    throw std::invalid_argument(
        "RowRangeInputFormat reads synthetic splits (JobDefinition::synthetic_splits), not "
        "input files");
  }
  return std::make_unique<RowRangeReader>(split.offset, split.length);
}

std::vector<InputSplit> SplitRows(uint64_t rows, int tasks) {
  if (tasks < 1) throw std::invalid_argument("SplitRows: tasks must be at least 1");
  const uint64_t n = std::min<uint64_t>(rows, static_cast<uint64_t>(tasks));
  std::vector<InputSplit> splits;
  uint64_t first = 0;
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t length = rows / n + (i < rows % n ? 1 : 0);
    splits.push_back({kSyntheticSplit, first, length});
    first += length;
  }
  return splits;
}

}  // namespace minimr
