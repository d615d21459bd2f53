// Writes a run file: records sorted by key within each partition, partitions back to back, and
// the index of where each partition lies.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "minimr/atomic_file.h"
#include "minimr/job.h"

namespace minimr::shuffle {

// Where each partition lies in a run file: partition p is [index[p], index[p+1]).
using PartitionIndex = std::vector<uint64_t>;

// A sorted run on local disk, or kept in memory (`bytes` set, `path` empty).
struct RunFile {
  std::string path;
  PartitionIndex index;
  std::shared_ptr<const std::string> bytes;
  uint64_t size() const { return index.back(); }
};

// Emits append records to the current partition; partitions must be started in increasing
// order, and records within one must come sorted by key (not checked). The file is private to
// this user (0600) and appears under its name only at Commit().
class RunWriter : public Emitter {
 public:
  // Writes in pieces of about `buffer_bytes`.
  RunWriter(const std::string& path, int partitions, size_t buffer_bytes = 1 << 20);
  // Keeps the run in memory: Commit() returns it in RunFile::bytes.
  explicit RunWriter(int partitions);

  // REQUIRES: p at least every partition started before.
  void StartPartition(int p);
  void Emit(std::string_view key, std::string_view value) override;
  // Appends bytes that are already records in this format (a fetched partition, in pieces that
  // may cut records anywhere).
  void WriteEncoded(std::string_view bytes);
  // Writes what is buffered and renames the file into place (not synced: map output and spills
  // die with their worker). Throws std::runtime_error naming the file.
  RunFile Commit();
  uint64_t records() const { return records_; }

 private:
  void Flush();
  uint64_t size() const { return file_ ? file_->size() : buf_.size(); }

  std::optional<AtomicFile> file_;  // none: the run is kept in buf_
  PartitionIndex index_;
  int next_partition_ = 0;
  size_t buffer_bytes_;
  std::string buf_;
  uint64_t records_ = 0;
};

}  // namespace minimr::shuffle
