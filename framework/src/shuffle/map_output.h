// The map side of the shuffle: collects what a mapper emits, partitions it, sorts each partition
// by key, runs the combiner, spills to disk when its buffer fills, and writes one file holding
// every partition's sorted run back to back.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "framework/src/shuffle/run_writer.h"
#include "framework/src/shuffle/shuffle_options.h"
#include "minimr/job.h"

namespace minimr::shuffle {

class MapOutputWriter : public Emitter {
 public:
  // `combiner` may be empty. Records and their index are kept in one buffer: 64 KiB at first,
  // then `sort_buffer` bytes (touched only as it fills); when it is full they are sorted and
  // spilled. Spills are merged at most `merge_factor` at a time, in as many passes as it takes. An output that never
  // spilled and needs at most `memory_limit` bytes is kept in memory instead of written to
  // `path`: a small task then creates no file.
  MapOutputWriter(std::string path, int partitions, Partitioner& partitioner,
                  std::function<std::unique_ptr<Reducer>()> combiner, TaskContext& context,
                  uint64_t sort_buffer = kDefaultSortBuffer,
                  int merge_factor = kDefaultMergeFactor, uint64_t memory_limit = 0);
  ~MapOutputWriter() override;

  void Emit(std::string_view key, std::string_view value) override;
  // Writes the output (spills merged) and returns it: its file or its bytes, and where each
  // partition lies in it.
  RunFile Commit();

 private:
  // A record in the buffer; the index grows down from the buffer's end as the records grow up
  // from its start, so that both share one budget whatever the records' sizes.
  struct Entry {
    uint32_t partition;
    uint32_t key_size;
    uint32_t value_size;
    uint64_t offset;  // of the key in the buffer; the value follows it
  };

  // Sorts and combines what is buffered and writes it, partition after partition, to `sink`.
  void WriteSorted(RunWriter& sink);
  void Spill();
  // Replaces the buffer by one for `needed` bytes: the first one, or the whole sort_buffer_;
  // its records stay at its start and their entries at its end.
  void Grow(uint64_t needed);
  // Commits `out` and counts what it holds.
  RunFile Finish(RunWriter& out);
  // A record too big for the buffer goes to a spill of its own.
  void SpillAlone(uint32_t partition, std::string_view key, std::string_view value);
  std::string NextSpillPath();
  Entry* entries_begin() { return entries_end_ - entry_count_; }

  std::string path_;
  int partitions_;
  Partitioner& partitioner_;
  std::function<std::unique_ptr<Reducer>()> combiner_factory_;
  std::unique_ptr<Reducer> combiner_;
  TaskContext& context_;
  uint64_t sort_buffer_;
  int merge_factor_;
  uint64_t memory_limit_;
  // A small task's buffer comes from the heap, not from a mapping of its own for each task.
  static constexpr uint64_t kFirstBufferBytes = 64 << 10;
  std::unique_ptr<char[]> buffer_;  // allocated at the first Emit
  uint64_t capacity_ = 0;           // of buffer_, at most sort_buffer_
  Entry* entries_end_ = nullptr;
  uint64_t used_ = 0;  // bytes of records at the buffer's start
  size_t entry_count_ = 0;
  std::vector<RunFile> spills_;
  int spill_names_ = 0;
  uint64_t records_ = 0;
};

}  // namespace minimr::shuffle
