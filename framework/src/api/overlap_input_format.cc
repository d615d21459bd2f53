#include <algorithm>
#include <memory>

#include "minimr/input.h"

namespace minimr {
namespace {

// A piece small enough to stay in L2 between the read that copies it and the map that reads it
// (measured: the pi study's map work took 12% less CPU than with 1 MiB pieces).
constexpr size_t kPiece = 1 << 17;
constexpr size_t kOverlapPiece = 4096;

class OverlapReader : public RecordReader {
 public:
  OverlapReader(const InputFiles& files, const InputSplit& split,
                std::unique_ptr<OverlapRule> rule, bool continuous)
      : files_(files),
        file_index_(split.file_index),
        file_(std::make_unique<FileReader>(files.paths.at(split.file_index))),
        pos_(split.offset),
        end_(split.offset + split.length),
        rule_(std::move(rule)),
        continuous_(continuous),
        buf_size_(std::max<size_t>(std::min<uint64_t>(kPiece, split.length), kOverlapPiece)),
        // Not zeroed: a task of a small split would spend more on zeroing than on its bytes.
        buf_(std::make_unique_for_overwrite<char[]>(buf_size_)) {}

  bool Next(std::string_view* key, std::string_view* value) override {
    *key = {};
    if (!past_end_ && pos_ < end_) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(buf_size_, end_ - pos_));
      size_t n = file_->ReadAt(pos_, buf_.get(), want);
      if (n == 0) throw std::runtime_error(file_->path() + ": shorter than when the job began");
      pos_ += n;
      bytes_read_ += n;
      *value = std::string_view(buf_.get(), n);
      return true;
    }
    past_end_ = true;  // pos_ may move into the next file, where end_ means nothing
    while (rule_ && !overlap_done_) {
      size_t n = file_->ReadAt(pos_, buf_.get(), kOverlapPiece);
      if (n == 0) {
        if (!continuous_ || file_index_ + 1 >= static_cast<int>(files_.paths.size())) break;
        file_ = std::make_unique<FileReader>(files_.paths[++file_index_]);
        pos_ = 0;
        continue;
      }
      size_t used = std::min(rule_->Take(std::string_view(buf_.get(), n)), n);
      overlap_done_ = used < n;
      if (used == 0) break;
      pos_ += used;
      bytes_read_ += used;
      *value = std::string_view(buf_.get(), used);
      return true;
    }
    return false;
  }

  uint64_t bytes_read() const override { return bytes_read_; }
  int current_file() const override { return file_index_; }
  bool past_split_end() const override { return past_end_; }

 private:
  const InputFiles& files_;
  int file_index_;
  std::unique_ptr<FileReader> file_;
  uint64_t pos_, end_;
  std::unique_ptr<OverlapRule> rule_;
  bool continuous_;
  bool past_end_ = false;
  bool overlap_done_ = false;
  size_t buf_size_;
  std::unique_ptr<char[]> buf_;
  uint64_t bytes_read_ = 0;
};

}  // namespace

std::unique_ptr<RecordReader> OverlapInputFormat::Open(const InputFiles& files,
                                                       const InputSplit& split,
                                                       TaskContext& context) {
  return std::make_unique<OverlapReader>(files, split, Overlap(context), Continuous(context));
}

}  // namespace minimr
