#include "framework/src/shuffle/record_source.h"

#include <algorithm>
#include <cstring>
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
      // Keep the partial record at the front, then read more after it, into a buffer of
      // read_piece_ bytes unless a record needs more.
      const size_t rest = unread_.size();
      const size_t size = std::max(read_piece_, rest * 2);
      if (size > capacity_) {
        std::unique_ptr<char[]> bigger(new char[size]);
        if (rest > 0) std::memcpy(bigger.get(), unread_.data(), rest);
        buf_ = std::move(bigger);
        capacity_ = size;
      } else if (rest > 0) {
        std::memmove(buf_.get(), unread_.data(), rest);
      }
      const size_t want = static_cast<size_t>(std::min<uint64_t>(capacity_ - rest, end_ - pos_));
      size_t n = file_.ReadAt(pos_, buf_.get() + rest, want);
      if (n == 0) throw std::runtime_error(file_.path() + ": shorter than expected");
      pos_ += n;
      unread_ = std::string_view(buf_.get(), rest + n);
    }
  }
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }

 private:
  FileReader file_;
  uint64_t pos_, end_;
  size_t read_piece_;
  std::unique_ptr<char[]> buf_;  // not std::string, which may take twice what it is asked for
  size_t capacity_ = 0;
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
