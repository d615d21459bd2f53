#include "framework/src/shuffle/run_writer.h"

#include "framework/src/shuffle/record_format.h"

namespace minimr::shuffle {

RunWriter::RunWriter(const std::string& path, int partitions, size_t buffer_bytes)
    : file_(path, 0600), index_(partitions + 1, 0), buffer_bytes_(buffer_bytes) {
  buf_.reserve(buffer_bytes_);
}

void RunWriter::StartPartition(int p) {
  Flush();
  // Partitions with nothing in them get an empty range.
  for (int q = next_partition_; q <= p; ++q) index_[q] = file_.size();
  next_partition_ = p + 1;
}

void RunWriter::Emit(std::string_view key, std::string_view value) {
  // Written before the buffer would grow (std::string would double it), with room for the
  // record's two varints.
  if (buf_.size() + key.size() + value.size() + 20 > buffer_bytes_) Flush();
  AppendRecord(&buf_, key, value);
  ++records_;
}

void RunWriter::WriteEncoded(std::string_view bytes) {
  Flush();
  file_.Write(bytes);
}

RunFile RunWriter::Commit() {
  StartPartition(static_cast<int>(index_.size()) - 1);
  file_.Commit(/*durable=*/false);
  return {file_.path(), index_};
}

void RunWriter::Flush() {
  file_.Write(buf_);
  buf_.clear();
}

}  // namespace minimr::shuffle
