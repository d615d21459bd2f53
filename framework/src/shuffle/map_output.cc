#include "framework/src/shuffle/map_output.h"

#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include "framework/src/shuffle/merger.h"
#include "framework/src/shuffle/run_merger.h"
#include "framework/src/util/huge_pages.h"

namespace minimr::shuffle {
namespace {

// The values of one key, in a sorted range of entries.
template <class Entry>
class EntryValues : public ValueIterator {
 public:
  EntryValues(const char* buffer, const Entry* begin, const Entry* end)
      : buffer_(buffer), next_(begin), end_(end) {}
  bool Next(std::string_view* value) override {
    if (next_ == end_) return false;
    *value = std::string_view(buffer_ + next_->offset + next_->key_size, next_->value_size);
    ++next_;
    return true;
  }

 private:
  const char* buffer_;
  const Entry* next_;
  const Entry* end_;
};

}  // namespace

MapOutputWriter::MapOutputWriter(std::string path, int partitions, Partitioner& partitioner,
                                 std::function<std::unique_ptr<Reducer>()> combiner,
                                 TaskContext& context, uint64_t sort_buffer, int merge_factor,
                                 uint64_t memory_limit)
    : path_(std::move(path)),
      partitions_(partitions),
      partitioner_(partitioner),
      combiner_factory_(std::move(combiner)),
      context_(context),
      // Whole entries at the end, aligned.
      sort_buffer_(sort_buffer / alignof(Entry) * alignof(Entry)),
      merge_factor_(merge_factor),
      memory_limit_(memory_limit) {
  if (sort_buffer_ < 2 * sizeof(Entry) || merge_factor_ < 2) {
    throw std::invalid_argument("MapOutputWriter: sort buffer or merge factor too small");
  }
  if (combiner_factory_) {
    combiner_ = combiner_factory_();
    combiner_->Setup(context_);
  }
}

MapOutputWriter::~MapOutputWriter() {
  for (const RunFile& spill : spills_) ::unlink(spill.path.c_str());
}

void MapOutputWriter::Emit(std::string_view key, std::string_view value) {
  int p = partitioner_.Partition(key, partitions_);
  if (p < 0 || p >= partitions_) {
    throw std::runtime_error("the partitioner sent key '" + std::string(key) + "' to partition " +
                             std::to_string(p) + " of " + std::to_string(partitions_));
  }
  if (key.size() > UINT32_MAX || value.size() > UINT32_MAX) {
    throw std::runtime_error("a map output record over 4 GiB");
  }
  ++records_;
  const uint64_t size = key.size() + value.size();
  if (size + sizeof(Entry) > sort_buffer_) {
    SpillAlone(uint32_t(p), key, value);
    return;
  }
  auto needed = [&] { return used_ + size + (entry_count_ + 1) * sizeof(Entry); };
  if (needed() > capacity_ && capacity_ < sort_buffer_) Grow(needed());
  if (needed() > capacity_) Spill();
  std::copy(key.begin(), key.end(), buffer_.get() + used_);
  std::copy(value.begin(), value.end(), buffer_.get() + used_ + key.size());
  ++entry_count_;
  *entries_begin() = {uint32_t(p), uint32_t(key.size()), uint32_t(value.size()), used_};
  used_ += size;
}

void MapOutputWriter::Grow(uint64_t needed) {
  // Two sizes only: the first buffer is small, the second the whole budget, so that the copy
  // adds at most the small one to the budget.
  const uint64_t capacity =
      capacity_ == 0 && needed <= kFirstBufferBytes ? std::min(kFirstBufferBytes, sort_buffer_)
                                                    : sort_buffer_;
  // Not value-initialized: the large buffer is mapped, and the kernel gives its pages only as
  // records and entries reach them.
  std::unique_ptr<char[]> grown(new char[capacity]);
  AdviseHugePages(grown.get(), capacity);
  Entry* const grown_end = reinterpret_cast<Entry*>(grown.get() + capacity);
  std::copy(buffer_.get(), buffer_.get() + used_, grown.get());
  std::copy(entries_begin(), entries_end_, grown_end - entry_count_);
  buffer_ = std::move(grown);
  entries_end_ = grown_end;
  capacity_ = capacity;
}

void MapOutputWriter::WriteSorted(RunWriter& sink) {
  const char* buffer = buffer_.get();
  auto key_of = [buffer](const Entry& e) { return std::string_view(buffer + e.offset, e.key_size); };
  Entry* const begin = entries_begin();
  Entry* const end = entries_end_;
  // In place: a stable sort would want scratch memory beyond the budget.
  std::sort(begin, end, [&](const Entry& a, const Entry& b) {
    if (a.partition != b.partition) return a.partition < b.partition;
    return key_of(a) < key_of(b);
  });
  int partition = -1;
  for (Entry* i = begin; i != end;) {
    if (int(i->partition) != partition) {
      partition = i->partition;
      sink.StartPartition(partition);
    }
    std::string_view key = key_of(*i);
    Entry* j = i + 1;
    while (j != end && j->partition == i->partition && key_of(*j) == key) ++j;
    if (combiner_) {
      EntryValues<Entry> values(buffer, i, j);
      combiner_->Reduce(key, values, sink);
      context_.counters().Add("combine.input.records", int64_t(j - i));
    } else {
      for (Entry* k = i; k != j; ++k) {
        sink.Emit(key, std::string_view(buffer + k->offset + key.size(), k->value_size));
      }
    }
    i = j;
  }
  entry_count_ = 0;
  used_ = 0;
}

std::string MapOutputWriter::NextSpillPath() {
  return path_ + ".spill" + std::to_string(spill_names_++);
}

void MapOutputWriter::Spill() {
  RunWriter sink(NextSpillPath(), partitions_);
  WriteSorted(sink);
  spills_.push_back(sink.Commit());
  context_.counters().Add("map.spills", 1);
}

void MapOutputWriter::SpillAlone(uint32_t partition, std::string_view key,
                                 std::string_view value) {
  if (entry_count_ > 0) Spill();
  RunWriter sink(NextSpillPath(), partitions_);
  sink.StartPartition(int(partition));
  sink.Emit(key, value);
  spills_.push_back(sink.Commit());
  context_.counters().Add("map.spills", 1);
}

RunFile MapOutputWriter::Commit() {
  context_.counters().Add("map.output.records", int64_t(records_));
  // A record's two lengths take at most 5 bytes each (record_format.h).
  if (spills_.empty() && used_ + entry_count_ * 10 <= memory_limit_) {
    RunWriter out(partitions_);
    if (entry_count_ > 0) WriteSorted(out);
    RunFile output = Finish(out);
    if (output.size() <= memory_limit_) {
      context_.counters().Add("map.outputs.in_memory", 1);
      return output;
    }
    // The combiner made more than it was given: the output goes to its file after all.
    AtomicFile file(path_, 0600);
    file.Write(*output.bytes);
    file.Commit(/*durable=*/false);
    return {path_, std::move(output.index), nullptr};
  }
  const size_t piece = MergePieceBytes(sort_buffer_, merge_factor_);
  RunWriter out(path_, partitions_, piece);
  if (spills_.empty()) {
    if (entry_count_ > 0) WriteSorted(out);
  } else {
    if (entry_count_ > 0) Spill();
    buffer_.reset();  // the merge's read buffers take its place
    capacity_ = 0;
    const int passes = MergeDown(&spills_, static_cast<size_t>(merge_factor_), merge_factor_, piece,
                                 [this] { return NextSpillPath(); });
    context_.counters().Add("map.merge.passes", passes);
    for (int p = 0; p < partitions_; ++p) {
      out.StartPartition(p);
      std::vector<std::unique_ptr<RecordSource>> runs;
      for (const RunFile& spill : spills_) {
        const uint64_t begin = spill.index[p], end = spill.index[p + 1];
        if (end > begin) runs.push_back(OpenFileRun(spill.path, begin, end - begin, piece));
      }
      MergeGroups(std::move(runs), [&](std::string_view key, ValueIterator& values) {
        if (combiner_) {
          combiner_->Reduce(key, values, out);
        } else {
          std::string_view value;
          while (values.Next(&value)) out.Emit(key, value);
        }
      });
    }
  }
  return Finish(out);
}

RunFile MapOutputWriter::Finish(RunWriter& out) {
  if (combiner_) context_.counters().Add("combine.output.records", int64_t(out.records()));
  RunFile output = out.Commit();
  context_.counters().Add("map.output.bytes", int64_t(output.size()));
  return output;
}

}  // namespace minimr::shuffle
