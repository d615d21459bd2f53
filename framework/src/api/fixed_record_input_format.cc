#include <stdexcept>
#include <string>
#include <vector>

#include "minimr/input.h"

namespace minimr {
namespace {

constexpr size_t kBlock = 1 << 20;

// The records whose first byte lies in [start, end) of one file, read a block of whole records
// at a time.
class FixedRecordReader : public RecordReader {
 public:
  FixedRecordReader(const std::string& path, uint64_t start, uint64_t end, size_t record_size,
                    size_t key_size)
      : file_(path), record_size_(record_size), key_size_(key_size) {
    if (file_.size() % record_size != 0) {
      throw std::runtime_error(path + ": " + std::to_string(file_.size()) +
                               " bytes is not a whole number of " + std::to_string(record_size) +
                               "-byte records");
    }
    // The first record that starts at or after `start`, and the first at or after `end`.
    pos_ = (start + record_size - 1) / record_size * record_size;
    end_ = std::min<uint64_t>((end + record_size - 1) / record_size * record_size, file_.size());
    // A block of whole records, or the whole split if that is smaller.
    const uint64_t block = std::max<size_t>(kBlock / record_size, 1) * record_size;
    buf_.resize(static_cast<size_t>(pos_ < end_ ? std::min(block, end_ - pos_) : 0));
  }

  bool Next(std::string_view* key, std::string_view* value) override {
    if (at_ == filled_) {
      if (pos_ >= end_) return false;
      const size_t want = static_cast<size_t>(std::min<uint64_t>(buf_.size(), end_ - pos_));
      size_t got = 0;
      while (got < want) {
        const size_t n = file_.ReadAt(pos_ + got, buf_.data() + got, want - got);
        if (n == 0) {
          throw std::runtime_error(file_.path() + ": ends at byte " + std::to_string(pos_ + got) +
                                   ", before the " + std::to_string(end_) +
                                   " it had when the job was planned");
        }
        got += n;
      }
      pos_ += got;
      at_ = 0;
      filled_ = got;
    }
    const char* record = buf_.data() + at_;
    *key = std::string_view(record, key_size_);
    *value = std::string_view(record + key_size_, record_size_ - key_size_);
    at_ += record_size_;
    consumed_ += record_size_;
    return true;
  }

  uint64_t bytes_read() const override { return consumed_; }

 private:
  FileReader file_;
  size_t record_size_;
  size_t key_size_;
  uint64_t pos_ = 0;  // the next byte to read into buf_
  uint64_t end_ = 0;  // the first byte of the first record of the next split
  std::vector<char> buf_;
  size_t at_ = 0, filled_ = 0;  // buf_[at_, filled_) are records not yet returned
  uint64_t consumed_ = 0;
};

}  // namespace

FixedRecordInputFormat::FixedRecordInputFormat(size_t record_size, size_t key_size)
    : record_size_(record_size), key_size_(key_size) {
  if (key_size == 0 || key_size > record_size) {
    throw std::invalid_argument("FixedRecordInputFormat: the key (" + std::to_string(key_size) +
                                " bytes) must be part of the record (" +
                                std::to_string(record_size) + " bytes)");
  }
}

std::unique_ptr<RecordReader> FixedRecordInputFormat::Open(const InputFiles& files,
                                                           const InputSplit& split,
                                                           TaskContext& context) {
  (void)context;
  if (split.file_index == kSyntheticSplit) {
    throw std::invalid_argument("FixedRecordInputFormat reads input files, not synthetic splits");
  }
  return std::make_unique<FixedRecordReader>(files.paths.at(split.file_index), split.offset,
                                             split.offset + split.length, record_size_, key_size_);
}

}  // namespace minimr
