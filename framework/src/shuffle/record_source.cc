#include "framework/src/shuffle/record_source.h"

#include <stdexcept>

#include "framework/src/shuffle/record_format.h"

namespace minimr::shuffle {
namespace {

class FileRun : public RecordSource {
 public:
  FileRun(const std::string& path, uint64_t offset, uint64_t length, size_t read_piece)
      : file_(path), pos_(offset), end_(offset + length), read_piece_(read_piece) {}

  bool Next() override {
    for (;;) {
      if (ParseRecord(&unread_, &key_, &value_)) return true;
      if (pos_ == end_) {
        if (!unread_.empty()) throw std::runtime_error(file_.path() + ": truncated record");
        return false;
      }
      // Keep the partial record, then read more after it.
      std::string rest(unread_);
      size_t want = std::max<size_t>(read_piece_, rest.size() * 2);
      want = static_cast<size_t>(std::min<uint64_t>(want, end_ - pos_));
      buf_.resize(rest.size() + want);
      std::copy(rest.begin(), rest.end(), buf_.begin());
      size_t n = file_.ReadAt(pos_, buf_.data() + rest.size(), want);
      if (n == 0) throw std::runtime_error(file_.path() + ": shorter than expected");
      pos_ += n;
      buf_.resize(rest.size() + n);
      unread_ = buf_;
    }
  }
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }

 private:
  FileReader file_;
  uint64_t pos_, end_;
  size_t read_piece_;
  std::string buf_;
  std::string_view unread_, key_, value_;
};

class MemoryRun : public RecordSource {
 public:
  explicit MemoryRun(std::string_view bytes) : unread_(bytes) {}
  bool Next() override {
    if (ParseRecord(&unread_, &key_, &value_)) return true;
    if (!unread_.empty()) throw std::runtime_error("truncated record in memory");
    return false;
  }
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }

 private:
  std::string_view unread_, key_, value_;
};

}  // namespace

std::unique_ptr<RecordSource> OpenFileRun(const std::string& path, uint64_t offset,
                                          uint64_t length, size_t read_piece) {
  return std::make_unique<FileRun>(path, offset, length, read_piece);
}

std::unique_ptr<RecordSource> OpenMemoryRun(std::string_view bytes) {
  return std::make_unique<MemoryRun>(bytes);
}

}  // namespace minimr::shuffle
