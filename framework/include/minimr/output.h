// A finished job's output read back: the (key, value) pairs its reducers emitted, from the
// part-r-NNNNN files of its output directory, in either output format (docs/output-format.md):
//
//   text   key<TAB>value lines; a tab, newline, carriage return or backslash inside a key or
//          value is written as \t, \n, \r or \\ (other bytes, NUL included, as they are).
//   jsonl  one {"key": ..., "value": ...} JSON object per line; a key or value that is valid
//          UTF-8 is a JSON string, any other is {"base64": "<its bytes in base64>"}.
//   raw    the key's bytes and then the value's, nothing between or after: fixed-size binary
//          records (terasort), byte for byte. It has no record boundaries of its own, so
//          OutputReader refuses it; read such part files with FixedRecordInputFormat.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "minimr/counters.h"

namespace minimr {

enum class OutputFormat { kText, kJsonLines, kRaw };

// "text", "jsonl" or "raw", as the job file's output.format names them.
const char* OutputFormatName(OutputFormat format);
// The format named `name`, or nullopt if there is none.
std::optional<OutputFormat> ParseOutputFormat(std::string_view name);

// Reads the records of one output directory: the part files in name order, each line by line.
class OutputReader {
 public:
  // Lists `dir`'s part files and takes the format its job.json records (text when it has no
  // job.json, as a hand-made directory may not). Throws std::runtime_error naming `dir` when it
  // cannot be read or has no part files, naming job.json when that is malformed, naming a part
  // file that is missing, extra, or not of the size its job committed (job.json's
  // output.part_bytes, where it has them), and for raw output, which has no records to tell
  // apart.
  explicit OutputReader(const std::string& dir);
  // Reads `dir` as `format`, whatever job.json says (its part files checked as above).
  // REQUIRES: format is not kRaw.
  OutputReader(const std::string& dir, OutputFormat format);
  // Reads only the part file `part` (0-based, in name order) of `dir`: readers of different
  // parts read one output in parallel, a thread each. Throws as above, and std::out_of_range
  // when there is no such part.
  OutputReader(const std::string& dir, size_t part);
  ~OutputReader();
  OutputReader(const OutputReader&) = delete;
  OutputReader& operator=(const OutputReader&) = delete;

  // Sets *key and *value to the next record's bytes, as the reducer emitted them; the views stay
  // valid until the next call. Returns false after the last record. Throws std::runtime_error
  // naming the file and line of a malformed line (or of a file cut short, without its final
  // newline) and what is wrong with it.
  bool Next(std::string_view* key, std::string_view* value);

  OutputFormat format() const;
  // The part files' paths, in the order they are read.
  const std::vector<std::string>& part_files() const;
  // Where the last record came from: its part file's path ("" before the first record) and its
  // 1-based line in that file.
  const std::string& file() const;
  uint64_t line() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The counters job.json records for the finished job in `dir` (what its tasks counted: teragen's
// record count and checksum, for teravalidate). Throws std::runtime_error naming the file when
// it is missing or malformed.
Counters ReadJobCounters(const std::string& dir);

// Every record of the output in `dir`, in the order OutputReader reads them. Throws as it does.
std::vector<std::pair<std::string, std::string>> ReadOutput(const std::string& dir);

}  // namespace minimr
