// Input: files cut into byte-range splits, and readers that turn a split into records.
//
// Hadoop's rule holds for every reader: a record that straddles a split boundary belongs to the
// split where it starts, and that split's reader reads past the end of its range to finish it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "minimr/task_context.h"

namespace minimr {

// The job's input files in their listed order, with their sizes when the job was planned.
struct InputFiles {
  std::vector<std::string> paths;
  std::vector<uint64_t> sizes;
};

// The file_index of a synthetic split: one a job declares for itself (JobDefinition::
// synthetic_splits) instead of a byte range of an input file.
inline constexpr int kSyntheticSplit = -1;

// Bytes [offset, offset + length) of input file number `file_index`; or, when file_index is
// kSyntheticSplit, whatever range the job means by offset and length (rows of a generator).
struct InputSplit {
  int file_index = 0;
  uint64_t offset = 0;
  uint64_t length = 0;
};

// Yields the records of one split. The views stay valid until the next call to Next().
class RecordReader {
 public:
  virtual ~RecordReader() = default;
  // Returns false when the split has no more records.
  virtual bool Next(std::string_view* key, std::string_view* value) = 0;
  // Input bytes consumed so far (for progress reports).
  virtual uint64_t bytes_read() const = 0;
  // The index in InputFiles of the file the last record came from. A reader that reads into
  // the files after its split's overrides this; the default is the split's own file.
  virtual int current_file() const { return -1; }
  // Whether the last record lies past the end of the split (see TaskContext::past_split_end).
  virtual bool past_split_end() const { return false; }
};

class InputFormat {
 public:
  virtual ~InputFormat() = default;
  // Opens a reader over `split` of `files`. Throws std::runtime_error naming the file on I/O errors.
  virtual std::unique_ptr<RecordReader> Open(const InputFiles& files, const InputSplit& split,
                                             TaskContext& context) = 0;
};

// Text lines: key is the line's byte offset in its file (decimal), value the line without its
// '\n' (and without a '\r' before it).
class LineInputFormat : public InputFormat {
 public:
  std::unique_ptr<RecordReader> Open(const InputFiles& files, const InputSplit& split,
                                     TaskContext& context) override;
};

// Decides how far a reader reads past the end of its split: a record or a window that starts
// inside the split may end after it (an n-digit sequence, a multi-line record).
class OverlapRule {
 public:
  virtual ~OverlapRule() = default;
  // Given the next bytes after the split, returns how many of them are still wanted. Returning
  // fewer than bytes.size() ends the overlap.
  virtual size_t Take(std::string_view bytes) = 0;
};

// A split's bytes in large pieces (key "", value the piece), then the bytes after the split
// that the job's OverlapRule wants, reading on into the following input files if Continuous().
// While the reader yields those, TaskContext::past_split_end() is true.
class OverlapInputFormat : public InputFormat {
 public:
  // The rule for one split; nullptr reads no further than the split.
  virtual std::unique_ptr<OverlapRule> Overlap(TaskContext& context) = 0;
  // Whether the overlap may run on into the next input file (the files form one stream).
  virtual bool Continuous(TaskContext& context) {
    (void)context;
    return true;
  }
  std::unique_ptr<RecordReader> Open(const InputFiles& files, const InputSplit& split,
                                     TaskContext& context) final;
};

// Text lines numbered: key is the line's 1-based number in its file (decimal), value as for
// LineInputFormat. A split that starts inside a file first counts the '\n' bytes before its
// start, reading the file from its beginning: use splits of whole files, or few splits per file,
// for files of many gigabytes.
class NumberedLineInputFormat : public InputFormat {
 public:
  std::unique_ptr<RecordReader> Open(const InputFiles& files, const InputSplit& split,
                                     TaskContext& context) override;
};

// Fixed-size binary records, such as the Sort Benchmark's 100-byte ones: key the first
// `key_size` bytes of each record, value the rest. Records are counted from the start of their
// file; a record belongs to the split where its first byte lies. A file whose size is not a
// whole number of records is refused with an error naming it and its size.
class FixedRecordInputFormat : public InputFormat {
 public:
  // REQUIRES: 0 < key_size <= record_size.
  FixedRecordInputFormat(size_t record_size, size_t key_size);
  std::unique_ptr<RecordReader> Open(const InputFiles& files, const InputSplit& split,
                                     TaskContext& context) override;

 private:
  size_t record_size_;
  size_t key_size_;
};

// The rows of a synthetic split, [offset, offset + length), one record each: key the row's
// number as Codec<uint64_t> encodes it (8 bytes, big-endian), value empty. For generators.
class RowRangeInputFormat : public InputFormat {
 public:
  // Throws std::invalid_argument for a split that is not synthetic.
  std::unique_ptr<RecordReader> Open(const InputFiles& files, const InputSplit& split,
                                     TaskContext& context) override;
};

// Rows [0, rows) cut into `tasks` synthetic splits of nearly equal length (the first rows %
// tasks one row longer); fewer if there are fewer rows than tasks, none for no rows.
// REQUIRES: tasks >= 1.
std::vector<InputSplit> SplitRows(uint64_t rows, int tasks);

// Reads a file in large sequential pieces with pread(2); for input formats.
class FileReader {
 public:
  // Throws std::runtime_error naming `path` if it cannot be opened.
  explicit FileReader(const std::string& path);
  ~FileReader();
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  // Reads up to `len` bytes at `offset` into `buf`; returns the count, 0 at the end of the file.
  // Throws std::runtime_error naming the file on an I/O error.
  size_t ReadAt(uint64_t offset, char* buf, size_t len);
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

}  // namespace minimr
