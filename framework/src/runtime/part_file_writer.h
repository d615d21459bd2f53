// How a reduce task writes its part file: every (key, value) pair the reducer emits, as one line
// of the job's output format (minimr/output.h and docs/output-format.md say what each looks like;
// OutputReader reads them back).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "minimr/atomic_file.h"
#include "minimr/job.h"
#include "minimr/output.h"

namespace minimr::runtime {

// Appends the line (with its '\n') that stands for the pair in `format` to *out; for raw, the
// key's and the value's bytes.
void AppendOutputLine(OutputFormat format, std::string_view key, std::string_view value,
                      std::string* out);

// An Emitter that writes lines to a part file, in pieces of about a megabyte.
class PartFileWriter : public Emitter {
 public:
  // `file` must outlive the writer.
  PartFileWriter(AtomicFile& file, OutputFormat format) : file_(file), format_(format) {}
  void Emit(std::string_view key, std::string_view value) override;
  // Writes what is buffered; call before committing the file.
  void Flush();
  int64_t records() const { return records_; }

 private:
  AtomicFile& file_;
  OutputFormat format_;
  std::string buf_;
  int64_t records_ = 0;
};

}  // namespace minimr::runtime
