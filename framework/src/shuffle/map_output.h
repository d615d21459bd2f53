// The map side of the shuffle: collects what a mapper emits, partitions it, sorts each partition
// by key, runs the combiner, spills to disk when memory fills, and writes one file holding every
// partition's sorted run back to back.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "minimr/job.h"

namespace minimr::shuffle {

// Where each partition lies in a map output file: partition p is [offsets[p], offsets[p+1]).
using PartitionIndex = std::vector<uint64_t>;

class MapOutputWriter : public Emitter {
 public:
  // `combiner` may be empty. Spills happen when buffered records exceed `spill_bytes`.
  MapOutputWriter(std::string path, int partitions, Partitioner& partitioner,
                  std::function<std::unique_ptr<Reducer>()> combiner, TaskContext& context,
                  size_t spill_bytes = 64u << 20);
  ~MapOutputWriter() override;

  void Emit(std::string_view key, std::string_view value) override;
  // Writes the output file (spills merged) and returns where each partition lies in it.
  PartitionIndex Commit();

 private:
  struct Entry {
    uint32_t partition;
    uint32_t key_size;
    uint32_t value_size;
    uint64_t offset;  // of the key in arena_; the value follows it
  };
  class RunSink;

  // Sorts and combines what is buffered and writes it, partition after partition, to `sink`.
  void WriteSorted(RunSink& sink);
  void Spill();

  std::string path_;
  int partitions_;
  Partitioner& partitioner_;
  std::function<std::unique_ptr<Reducer>()> combiner_factory_;
  std::unique_ptr<Reducer> combiner_;
  TaskContext& context_;
  size_t spill_bytes_;
  std::string arena_;
  std::vector<Entry> entries_;
  std::vector<std::string> spill_paths_;
  std::vector<PartitionIndex> spill_indexes_;
  uint64_t records_ = 0;
};

}  // namespace minimr::shuffle
