// The reduce side of the shuffle: what a reduce task does with the map output it fetches. Fetched
// partitions stay in memory up to a budget; beyond it they are merged onto local disk, and runs on
// disk are merged a bounded number at a time, so that memory and open files stay bounded
// whatever the number of map tasks and the size of their output.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "framework/src/shuffle/record_source.h"
#include "framework/src/shuffle/run_writer.h"

namespace minimr::shuffle {

class ShuffleBuffer {
 public:
  // Memory from malloc, for realloc.
  struct Free {
    void operator()(char* bytes) const { std::free(bytes); }
  };
  using Bytes = std::unique_ptr<char, Free>;

  // What the buffer did, for the task's counters.
  struct Stats {
    int64_t bytes = 0;           // fetched, in segments finished
    int64_t memory_spills = 0;   // times the segments in memory were merged to disk
    int64_t direct_to_disk = 0;  // segments too big for memory, streamed straight to disk
    int64_t merge_passes = 0;    // merges of runs on disk into fewer
  };

  // One fetched partition as it arrives. Not thread-safe itself: one fetch owns it.
  class Segment {
   public:
    ~Segment();  // a segment never finished is dropped, memory and file
    Segment(const Segment&) = delete;
    Segment& operator=(const Segment&) = delete;

    // Appends the next bytes of the partition. Throws std::runtime_error on a disk error.
    void Append(std::string_view piece);
    // The partition is complete (a sorted run): hands it to the buffer.
    void Finish();

   private:
    friend class ShuffleBuffer;
    explicit Segment(ShuffleBuffer& buffer) : buffer_(buffer) {}
    void MoveToDisk();

    ShuffleBuffer& buffer_;
    // In memory, grown by hand (std::string may take twice what is asked for) with realloc, which
    // remaps a large block rather than copying it, and cut to its size when finished.
    Bytes bytes_;
    uint64_t size_ = 0;
    uint64_t reserved_ = 0;  // bytes_'s capacity, taken from the buffer's memory budget
    std::unique_ptr<RunWriter> file_;
    bool finished_ = false;
  };

  // Files are named `file_prefix` + a number; the directory must be private to this user.
  // `memory_bytes` bounds the buffer's memory, read buffers of its merges included (but each
  // read buffer is at least 4 KiB); at most `merge_factor` files are open in one merge.
  ShuffleBuffer(std::string file_prefix, uint64_t memory_bytes, int merge_factor);
  ~ShuffleBuffer();  // removes its files
  ShuffleBuffer(const ShuffleBuffer&) = delete;
  ShuffleBuffer& operator=(const ShuffleBuffer&) = delete;

  // Starts receiving one partition. Thread-safe: fetches may run in parallel.
  std::unique_ptr<Segment> Begin();
  // Begin(), Append(bytes), Finish(): a partition fetched whole.
  void Add(std::string_view bytes);

  // Merges the runs on disk down to at most the merge factor and returns them and the segments in
  // memory as sorted sources for the final merge, valid while the buffer lives.
  // REQUIRES: every segment finished or dropped; called once.
  std::vector<std::unique_ptr<RecordSource>> TakeSources();

  Stats stats() const;

 private:
  struct MemoryRun {
    Bytes bytes;
    uint64_t size;
    uint64_t reserved;
  };

  // Takes `bytes` of the memory budget, first spilling the segments in memory when that makes
  // room; false if there is no room.
  bool Reserve(uint64_t bytes);
  void Release(uint64_t bytes);
  // Merges every finished segment in memory into one run on disk. REQUIRES: lock not held.
  void SpillMemory();
  // Adds a run on disk and, when there are 2F-1 of them, merges F of the smallest into one.
  void AddFile(RunFile run);
  std::string NextPath();

  const std::string file_prefix_;
  const uint64_t memory_limit_;  // for segments: the budget less the merges' read buffers
  const uint64_t segment_limit_;  // a segment bigger than this goes to disk
  const int merge_factor_;
  const size_t read_piece_;

  mutable std::mutex mutex_;
  uint64_t reserved_ = 0;
  std::vector<MemoryRun> memory_runs_;
  std::vector<RunFile> files_;
  bool spilling_ = false;  // one memory spill at a time
  bool merging_ = false;   // one merge of files at a time
  Stats stats_;
  std::atomic<uint64_t> next_name_{0};
};

}  // namespace minimr::shuffle
