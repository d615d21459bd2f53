#include "framework/src/shuffle/run_writer.h"

#include <cstdint>

#include "framework/src/shuffle/record_format.h"

namespace minimr::shuffle {

RunWriter::RunWriter(const std::string& path, int partitions, size_t buffer_bytes)
    : file_(std::in_place, path, 0600), index_(partitions + 1, 0), buffer_bytes_(buffer_bytes) {
  buf_.reserve(buffer_bytes_);
}

RunWriter::RunWriter(int partitions) : index_(partitions + 1, 0), buffer_bytes_(SIZE_MAX) {}

void RunWriter::StartPartition(int p) {
  Flush();
  // Partitions with nothing in them get an empty range.
  for (int q = next_partition_; q <= p; ++q) index_[q] = size();
  next_partition_ = p + 1;
}

void RunWriter::Emit(std::string_view key, std::string_view value) {
  // Written before the buffer would grow (std::string would double it), with room for the
  // record's two varints.
  if (file_ && buf_.size() + key.size() + value.size() + 20 > buffer_bytes_) Flush();
  AppendRecord(&buf_, key, value);
  ++records_;
}

void RunWriter::WriteEncoded(std::string_view bytes) {
  Flush();
  if (file_) {
    file_->Write(bytes);
  } else {
    buf_.append(bytes);
  }
}

RunFile RunWriter::Commit() {
  StartPartition(static_cast<int>(index_.size()) - 1);
  if (!file_) {
    buf_.shrink_to_fit();  // it is kept, and counted by its size
    return {"", index_, std::make_shared<const std::string>(std::move(buf_))};
  }
  file_->Commit(/*durable=*/false);
  return {file_->path(), index_, nullptr};
}

void RunWriter::Flush() {
  if (!file_) return;
  file_->Write(buf_);
  buf_.clear();
}

}  // namespace minimr::shuffle
