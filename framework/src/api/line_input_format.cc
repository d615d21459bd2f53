#include <algorithm>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "minimr/input.h"

namespace minimr {
namespace {

constexpr size_t kBlock = 1 << 20;

// The number of '\n' bytes in [0, end) of `file`, counted in large reads.
uint64_t CountNewlines(FileReader& file, uint64_t end) {
  std::vector<char> buf(kBlock);
  uint64_t count = 0;
  for (uint64_t pos = 0; pos < end;) {
    const size_t n = file.ReadAt(pos, buf.data(), std::min<uint64_t>(kBlock, end - pos));
    if (n == 0) break;
    count += static_cast<uint64_t>(std::count(buf.data(), buf.data() + n, '\n'));
    pos += n;
  }
  return count;
}

// Keys are byte offsets, or 1-based line numbers if `numbered`.
class LineReader : public RecordReader {
 public:
  LineReader(const std::string& path, uint64_t start, uint64_t end, bool numbered)
      : file_(path), end_(end), pos_(start), numbered_(numbered) {
    // A line starts at 0 or just after a '\n'. Unless the split starts a file, its first partial
    // line belongs to the split before: look at the byte before the start and skip through the
    // next '\n'. Lines before that one: the '\n's before start - 1, and the one skipped.
    if (start > 0 && start < end) {
      if (numbered_) lines_before_ = CountNewlines(file_, start - 1) + 1;
      pos_ = start - 1;
      std::string_view skipped;
      if (!ReadLine(&skipped)) pos_ = end_;
    }
  }

  bool Next(std::string_view* key, std::string_view* value) override {
    if (pos_ >= end_) return false;  // the next line starts in the split after this one
    uint64_t line_start = pos_;
    if (!ReadLine(value)) return false;
    if (!value->empty() && value->back() == '\r') value->remove_suffix(1);
    const uint64_t number = numbered_ ? ++lines_before_ : line_start;
    key_.resize(24);
    key_.resize(std::to_chars(key_.data(), key_.data() + key_.size(), number).ptr - key_.data());
    *key = key_;
    return true;
  }

  uint64_t bytes_read() const override { return consumed_; }

 private:
  // Reads the line at pos_ (through its '\n' or the end of the file) into *line; false at EOF.
  bool ReadLine(std::string_view* line) {
    line_.clear();
    for (;;) {
      if (buf_pos_ == buf_.size()) {
        buf_.resize(kBlock);
        size_t n = file_.ReadAt(pos_, buf_.data(), kBlock);
        buf_.resize(n);
        buf_pos_ = 0;
        if (n == 0) {
          // The split ends at or before the size the file had when the job was planned: a file
          // that ends sooner has shrunk since, and its lines are not all here.
          if (pos_ < end_) {
            throw std::runtime_error(
                file_.path() + ": shorter than when the job began (it ends at " +
                std::to_string(pos_) + " bytes, its split at " + std::to_string(end_) + ")");
          }
          *line = line_;
          return !line_.empty();
        }
      }
      const char* begin = buf_.data() + buf_pos_;
      size_t avail = buf_.size() - buf_pos_;
      const void* nl = std::memchr(begin, '\n', avail);
      size_t take = nl ? static_cast<const char*>(nl) - begin + 1 : avail;
      line_.append(begin, nl ? take - 1 : take);
      buf_pos_ += take;
      pos_ += take;
      consumed_ += take;
      if (nl) {
        *line = line_;
        return true;
      }
    }
  }

  FileReader file_;
  uint64_t end_;
  uint64_t pos_;
  bool numbered_;
  uint64_t lines_before_ = 0;  // lines of the file before pos_, when numbered_
  uint64_t consumed_ = 0;
  std::vector<char> buf_;
  size_t buf_pos_ = 0;
  std::string line_;
  std::string key_;
};

}  // namespace

std::unique_ptr<RecordReader> LineInputFormat::Open(const InputFiles& files,
                                                    const InputSplit& split, TaskContext&) {
  return std::make_unique<LineReader>(files.paths.at(split.file_index), split.offset,
                                      split.offset + split.length, /*numbered=*/false);
}

std::unique_ptr<RecordReader> NumberedLineInputFormat::Open(const InputFiles& files,
                                                            const InputSplit& split, TaskContext&) {
  return std::make_unique<LineReader>(files.paths.at(split.file_index), split.offset,
                                      split.offset + split.length, /*numbered=*/true);
}

}  // namespace minimr
