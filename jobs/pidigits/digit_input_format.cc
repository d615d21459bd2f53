#include "pidigits/digit_input_format.h"

#include <memory>
#include <vector>

namespace minimr::pidigits {
namespace {

constexpr size_t kPiece = 1 << 20;
constexpr size_t kLookaheadPiece = 4096;

class DigitReader : public RecordReader {
 public:
  DigitReader(const InputFiles& files, const InputSplit& split, int digits_after, bool continuous)
      : files_(files),
        file_index_(split.file_index),
        file_(std::make_unique<FileReader>(files.paths.at(split.file_index))),
        pos_(split.offset),
        end_(split.offset + split.length),
        digits_needed_(digits_after),
        continuous_(continuous),
        buf_(kPiece) {}

  bool Next(std::string_view* key, std::string_view* value) override {
    if (!in_lookahead_ && pos_ < end_) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(kPiece, end_ - pos_));
      size_t n = file_->ReadAt(pos_, buf_.data(), want);
      if (n == 0) throw std::runtime_error(file_->path() + ": shorter than when the job began");
      pos_ += n;
      bytes_read_ += n;
      *key = "";
      *value = std::string_view(buf_.data(), n);
      return true;
    }
    in_lookahead_ = true;  // pos_ may move into the next file, where end_ means nothing
    return NextLookahead(key, value);
  }

  uint64_t bytes_read() const override { return bytes_read_; }

 private:
  // Reads past the split up to the last digit still needed, into the next files if continuous.
  bool NextLookahead(std::string_view* key, std::string_view* value) {
    while (digits_needed_ > 0) {
      size_t n = file_->ReadAt(pos_, buf_.data(), kLookaheadPiece);
      if (n == 0) {
        if (!continuous_ || file_index_ + 1 >= static_cast<int>(files_.paths.size())) return false;
        file_ = std::make_unique<FileReader>(files_.paths[++file_index_]);
        pos_ = 0;
        continue;
      }
      size_t used = 0;
      while (used < n && digits_needed_ > 0) {
        char c = buf_[used++];
        if (c >= '0' && c <= '9') --digits_needed_;
      }
      pos_ += used;
      bytes_read_ += used;
      *key = kLookaheadKey;
      *value = std::string_view(buf_.data(), used);
      return true;
    }
    return false;
  }

  const InputFiles& files_;
  int file_index_;
  std::unique_ptr<FileReader> file_;
  uint64_t pos_, end_;
  int digits_needed_;
  bool continuous_;
  bool in_lookahead_ = false;
  std::vector<char> buf_;
  uint64_t bytes_read_ = 0;
};

}  // namespace

std::unique_ptr<RecordReader> DigitInputFormat::Open(const InputFiles& files,
                                                     const InputSplit& split,
                                                     TaskContext& context) {
  int n = static_cast<int>(context.params().GetInt("n", 2));
  bool continuous = context.params().GetBool("continuous", true);
  return std::make_unique<DigitReader>(files, split, n - 1, continuous);
}

}  // namespace minimr::pidigits
