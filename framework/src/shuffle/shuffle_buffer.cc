#include "framework/src/shuffle/shuffle_buffer.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "framework/src/shuffle/merger.h"
#include "framework/src/shuffle/run_merger.h"
#include "framework/src/shuffle/shuffle_options.h"

namespace minimr::shuffle {
namespace {

// A quarter of the budget for the read and write buffers of the merges that may run at once (a
// merge of files, and a spill of memory), the rest for segments; the buffers are at least 4 KiB
// each, so for a tiny budget and a wide merge the segments keep half.
size_t ReadPiece(uint64_t memory_bytes, int merge_factor) {
  return MergePieceBytes(memory_bytes / 4, merge_factor + 1);
}

uint64_t SegmentMemory(uint64_t memory_bytes, int merge_factor) {
  const uint64_t buffers = uint64_t(merge_factor + 2) * ReadPiece(memory_bytes, merge_factor);
  return buffers <= memory_bytes / 2 ? memory_bytes - buffers : memory_bytes / 2;
}

}  // namespace

ShuffleBuffer::Segment::~Segment() {
  if (!finished_) buffer_.Release(reserved_);
}

void ShuffleBuffer::Segment::Append(std::string_view piece) {
  if (piece.empty()) return;
  if (!file_ && size_ + piece.size() > reserved_) {
    const uint64_t need = size_ + piece.size();
    const uint64_t capacity = std::min(std::max(need, 2 * reserved_), buffer_.segment_limit_);
    // Counted as if the old bytes and the new were both there while they are copied, as they
    // are for a small block.
    if (need > capacity || !buffer_.Reserve(capacity)) {
      MoveToDisk();
    } else {
      char* grown = static_cast<char*>(std::realloc(bytes_.get(), capacity));
      if (grown == nullptr) {
        buffer_.Release(capacity);
        throw std::bad_alloc();
      }
      (void)bytes_.release();
      bytes_.reset(grown);
      buffer_.Release(reserved_);
      reserved_ = capacity;
    }
  }
  if (file_) {
    file_->WriteEncoded(piece);
  } else {
    std::memcpy(bytes_.get() + size_, piece.data(), piece.size());
  }
  size_ += piece.size();
}

void ShuffleBuffer::Segment::MoveToDisk() {
  file_ = std::make_unique<RunWriter>(buffer_.NextPath(), 1, buffer_.read_piece_);
  file_->StartPartition(0);
  file_->WriteEncoded(std::string_view(bytes_.get(), size_));
  bytes_.reset();
  buffer_.Release(reserved_);
  reserved_ = 0;
}

void ShuffleBuffer::Segment::Finish() {
  if (file_) {
    RunFile run = file_->Commit();
    file_.reset();
    {
      std::lock_guard lock(buffer_.mutex_);
      buffer_.stats_.bytes += int64_t(size_);
      ++buffer_.stats_.direct_to_disk;
    }
    finished_ = true;
    buffer_.AddFile(std::move(run));
    return;
  }
  // Cut to its size (glibc shrinks a block in place), so that the budget it gives back goes to
  // the segments still to come, not to a spill.
  if (size_ > 0 && size_ < reserved_) {
    if (char* cut = static_cast<char*>(std::realloc(bytes_.get(), size_))) {
      (void)bytes_.release();
      bytes_.reset(cut);
      buffer_.Release(reserved_ - size_);
      reserved_ = size_;
    }
  }
  std::lock_guard lock(buffer_.mutex_);
  buffer_.memory_runs_.push_back({std::move(bytes_), size_, reserved_});
  buffer_.stats_.bytes += int64_t(size_);
  reserved_ = 0;
  finished_ = true;
}

ShuffleBuffer::ShuffleBuffer(std::string file_prefix, uint64_t memory_bytes, int merge_factor)
    : file_prefix_(std::move(file_prefix)),
      memory_limit_(SegmentMemory(memory_bytes, merge_factor)),
      segment_limit_(SegmentMemory(memory_bytes, merge_factor) / 4),
      merge_factor_(merge_factor),
      read_piece_(ReadPiece(memory_bytes, merge_factor)) {}

ShuffleBuffer::~ShuffleBuffer() {
  for (const RunFile& file : files_) ::unlink(file.path.c_str());
}

std::unique_ptr<ShuffleBuffer::Segment> ShuffleBuffer::Begin() {
  return std::unique_ptr<Segment>(new Segment(*this));
}

void ShuffleBuffer::Add(std::string_view bytes) {
  std::unique_ptr<Segment> segment = Begin();
  segment->Append(bytes);
  segment->Finish();
}

std::string ShuffleBuffer::NextPath() {
  return file_prefix_ + std::to_string(next_name_++);
}

bool ShuffleBuffer::Reserve(uint64_t bytes) {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (reserved_ + bytes <= memory_limit_) {
        reserved_ += bytes;
        return true;
      }
      // Nothing to spill, or another fetch is spilling it: this segment goes to disk instead.
      if (memory_runs_.empty() || spilling_) return false;
    }
    SpillMemory();
  }
}

void ShuffleBuffer::Release(uint64_t bytes) {
  std::lock_guard lock(mutex_);
  reserved_ -= bytes;
}

void ShuffleBuffer::SpillMemory() {
  std::vector<MemoryRun> runs;
  {
    std::lock_guard lock(mutex_);
    if (spilling_ || memory_runs_.empty()) return;
    spilling_ = true;
    runs.swap(memory_runs_);
  }
  RunFile file;
  try {
    RunWriter out(NextPath(), 1, read_piece_);
    out.StartPartition(0);
    std::vector<std::unique_ptr<RecordSource>> sources;
    for (const MemoryRun& run : runs) {
      sources.push_back(OpenMemoryRun(std::string_view(run.bytes.get(), run.size)));
    }
    MergeGroups(std::move(sources), [&](std::string_view key, ValueIterator& values) {
      std::string_view value;
      while (values.Next(&value)) out.Emit(key, value);
    });
    file = out.Commit();
  } catch (...) {
    std::lock_guard lock(mutex_);
    for (MemoryRun& run : runs) memory_runs_.push_back(std::move(run));
    spilling_ = false;
    throw;
  }
  uint64_t freed = 0;
  for (const MemoryRun& run : runs) freed += run.reserved;
  runs.clear();
  {
    std::lock_guard lock(mutex_);
    reserved_ -= freed;
    spilling_ = false;
    ++stats_.memory_spills;
  }
  AddFile(std::move(file));
}

void ShuffleBuffer::AddFile(RunFile run) {
  const size_t width = static_cast<size_t>(merge_factor_);
  std::vector<RunFile> inputs;
  {
    std::lock_guard lock(mutex_);
    files_.push_back(std::move(run));
    // Merged while fetching goes on, once there are enough for a full merge and some to spare,
    // as Hadoop's reduce does: the final merge then finds at most 2F-2.
    if (merging_ || files_.size() < 2 * width - 1) return;
    merging_ = true;
  }
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (files_.size() < 2 * width - 1) {
        merging_ = false;
        return;
      }
      std::sort(files_.begin(), files_.end(),
                [](const RunFile& a, const RunFile& b) { return a.size() < b.size(); });
      inputs.assign(std::make_move_iterator(files_.begin()),
                    std::make_move_iterator(files_.begin() + width));
      files_.erase(files_.begin(), files_.begin() + width);
    }
    RunFile merged;
    try {
      merged = MergeRunFiles(inputs, NextPath(), read_piece_);
    } catch (...) {
      std::lock_guard lock(mutex_);
      for (RunFile& input : inputs) files_.push_back(std::move(input));
      merging_ = false;
      throw;
    }
    for (const RunFile& input : inputs) ::unlink(input.path.c_str());
    std::lock_guard lock(mutex_);
    files_.push_back(std::move(merged));
    ++stats_.merge_passes;
  }
}

std::vector<std::unique_ptr<RecordSource>> ShuffleBuffer::TakeSources() {
  std::lock_guard lock(mutex_);
  stats_.merge_passes += MergeDown(&files_, static_cast<size_t>(merge_factor_), merge_factor_,
                                   read_piece_, [this] { return NextPath(); });
  std::vector<std::unique_ptr<RecordSource>> sources;
  for (const RunFile& file : files_) {
    sources.push_back(OpenFileRun(file.path, 0, file.size(), read_piece_));
  }
  for (const MemoryRun& run : memory_runs_) {
    sources.push_back(OpenMemoryRun(std::string_view(run.bytes.get(), run.size)));
  }
  return sources;
}

ShuffleBuffer::Stats ShuffleBuffer::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace minimr::shuffle
