#include "minimr/total_order.h"

#include <algorithm>
#include <stdexcept>

#include "minimr/hex.h"

namespace minimr {
namespace {

// What SampleKeys gives the input format: a task of no job.
class SamplingContext : public TaskContext {
 public:
  SamplingContext(const InputFiles& files, const InputSplit& split)
      : file_(files.paths.at(split.file_index)), split_(split) {}
  const Params& params() const override { return params_; }
  Counters& counters() override { return counters_; }
  const std::string& phase() const override { return phase_; }
  int task_index() const override { return 0; }
  const std::string& input_file() const override { return file_; }
  const InputSplit& input_split() const override { return split_; }
  bool past_split_end() const override { return false; }

 private:
  Params params_;
  Counters counters_;
  std::string phase_ = "sample";
  std::string file_;
  InputSplit split_;
};

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::vector<std::string> SampleKeys(const InputFiles& files, InputFormat& format, size_t count,
                                    int places) {
  if (places < 1) throw std::invalid_argument("SampleKeys: places must be at least 1");
  uint64_t total = 0;
  for (uint64_t size : files.sizes) total += size;
  std::vector<std::string> keys;
  if (total == 0 || count == 0) return keys;
  const size_t per_place = std::max<size_t>(count / static_cast<size_t>(places), 1);
  for (int p = 0; p < places; ++p) {
    // The point's byte in the input as one stream, then its file and offset there.
    uint64_t at = static_cast<uint64_t>(static_cast<unsigned __int128>(total) * p / places);
    size_t file = 0;
    while (at >= files.sizes[file]) at -= files.sizes[file++];
    InputSplit split{static_cast<int>(file), at, files.sizes[file] - at};
    SamplingContext context(files, split);
    std::unique_ptr<RecordReader> reader = format.Open(files, split, context);
    std::string_view key, value;
    for (size_t n = 0; n < per_place && reader->Next(&key, &value); ++n) keys.emplace_back(key);
  }
  return keys;
}

std::vector<std::string> CutPoints(std::vector<std::string> sample, int partitions) {
  if (partitions < 1) throw std::invalid_argument("CutPoints: partitions must be at least 1");
  std::vector<std::string> cuts;
  if (sample.empty()) return cuts;
  std::sort(sample.begin(), sample.end());
  const size_t n = sample.size();
  for (int i = 1; i < partitions; ++i) {
    cuts.push_back(sample[n * static_cast<size_t>(i) / static_cast<size_t>(partitions)]);
  }
  return cuts;
}

std::string EncodeCutPoints(const std::vector<std::string>& cuts) {
  std::string text;
  for (const std::string& cut : cuts) {
    if (!text.empty()) text += ',';
    text += Hex(cut);
  }
  return text;
}

std::vector<std::string> DecodeCutPoints(std::string_view text, const std::string& param) {
  std::vector<std::string> cuts;
  if (text.empty()) return cuts;
  for (size_t start = 0;;) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view hex = text.substr(start, comma - start);
    const std::string which = "params." + param + ": cut point " + std::to_string(cuts.size() + 1);
    if (hex.empty() || hex.size() % 2 != 0) {
      throw ParamError(which + " is not an even number of hex digits: '" + std::string(hex) + "'");
    }
    std::string key;
    for (size_t i = 0; i < hex.size(); i += 2) {
      const int high = HexDigit(hex[i]), low = HexDigit(hex[i + 1]);
      if (high < 0 || low < 0) {
        throw ParamError(which + " is not hex: '" + std::string(hex) + "'");
      }
      key += static_cast<char>(high * 16 + low);
    }
    if (!cuts.empty() && key < cuts.back()) {
      throw ParamError(which + " sorts before the one before it: cut points must increase");
    }
    cuts.push_back(std::move(key));
    if (comma == text.size()) break;
    start = comma + 1;
  }
  return cuts;
}

void TotalOrderPartitioner::Setup(TaskContext& context) {
  if (!context.params().Has(param_)) {
    throw ParamError("params." + param_ + ": the total order partitioner's cut points are missing");
  }
  cuts_ = DecodeCutPoints(context.params().GetString(param_, ""), param_);
}

int TotalOrderPartitioner::Partition(std::string_view key, int partitions) {
  if (cuts_.size() + 1 != static_cast<size_t>(partitions)) {
    throw std::runtime_error("params." + param_ + " has " + std::to_string(cuts_.size()) +
                             " cut points, but " + std::to_string(partitions) +
                             " reduce tasks need " + std::to_string(partitions - 1) +
                             " (leave it empty to sample the input)");
  }
  return static_cast<int>(std::upper_bound(cuts_.begin(), cuts_.end(), key,
                                           [](std::string_view k, const std::string& cut) {
                                             return k < std::string_view(cut);
                                           }) -
                          cuts_.begin());
}

}  // namespace minimr
