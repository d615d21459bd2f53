#include "framework/src/shuffle/map_output.h"

#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include "framework/src/shuffle/merger.h"
#include "framework/src/shuffle/record_format.h"
#include "framework/src/util/atomic_file.h"

namespace minimr::shuffle {

// Appends records to a file, partition by partition, noting where each partition starts.
class MapOutputWriter::RunSink : public Emitter {
 public:
  // Map output is private to the user who runs the job: 0600, in the worker's 0700 scratch.
  RunSink(const std::string& path, int partitions) : file_(path, 0600), index_(partitions + 1, 0) {}

  void StartPartition(int p) {
    Flush();
    // Partitions with nothing in them get an empty range.
    for (int q = next_partition_; q <= p; ++q) index_[q] = file_.size();
    next_partition_ = p + 1;
  }
  void Emit(std::string_view key, std::string_view value) override {
    AppendRecord(&buf_, key, value);
    ++records_;
    if (buf_.size() >= (1 << 20)) Flush();
  }
  PartitionIndex Commit() {
    StartPartition(static_cast<int>(index_.size()) - 1);
    file_.Commit(/*durable=*/false);
    return index_;
  }
  uint64_t records() const { return records_; }

 private:
  void Flush() {
    file_.Write(buf_);
    buf_.clear();
  }
  AtomicFile file_;
  PartitionIndex index_;
  int next_partition_ = 0;
  std::string buf_;
  uint64_t records_ = 0;
};

namespace {

// The values of one key, in a sorted range of entries.
template <class Entry>
class EntryValues : public ValueIterator {
 public:
  EntryValues(const std::string& arena, const Entry* begin, const Entry* end)
      : arena_(arena), next_(begin), end_(end) {}
  bool Next(std::string_view* value) override {
    if (next_ == end_) return false;
    *value = std::string_view(arena_).substr(next_->offset + next_->key_size, next_->value_size);
    ++next_;
    return true;
  }

 private:
  const std::string& arena_;
  const Entry* next_;
  const Entry* end_;
};

}  // namespace

MapOutputWriter::MapOutputWriter(std::string path, int partitions, Partitioner& partitioner,
                                 std::function<std::unique_ptr<Reducer>()> combiner,
                                 TaskContext& context, size_t spill_bytes)
    : path_(std::move(path)),
      partitions_(partitions),
      partitioner_(partitioner),
      combiner_factory_(std::move(combiner)),
      context_(context),
      spill_bytes_(spill_bytes) {
  if (combiner_factory_) {
    combiner_ = combiner_factory_();
    combiner_->Setup(context_);
  }
}

MapOutputWriter::~MapOutputWriter() {
  for (const auto& spill : spill_paths_) ::unlink(spill.c_str());
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
  entries_.push_back({uint32_t(p), uint32_t(key.size()), uint32_t(value.size()), arena_.size()});
  arena_.append(key);
  arena_.append(value);
  ++records_;
  if (arena_.size() + entries_.size() * sizeof(Entry) >= spill_bytes_) Spill();
}

void MapOutputWriter::WriteSorted(RunSink& sink) {
  std::string_view arena = arena_;
  auto key_of = [arena](const Entry& e) { return arena.substr(e.offset, e.key_size); };
  std::sort(entries_.begin(), entries_.end(), [&](const Entry& a, const Entry& b) {
    if (a.partition != b.partition) return a.partition < b.partition;
    return key_of(a) < key_of(b);
  });
  int partition = -1;
  for (size_t i = 0; i < entries_.size();) {
    const Entry& first = entries_[i];
    if (int(first.partition) != partition) {
      partition = first.partition;
      sink.StartPartition(partition);
    }
    std::string_view key = key_of(first);
    size_t j = i + 1;
    while (j < entries_.size() && entries_[j].partition == first.partition &&
           key_of(entries_[j]) == key) {
      ++j;
    }
    if (combiner_) {
      EntryValues<Entry> values(arena_, &entries_[i], &entries_[0] + j);
      combiner_->Reduce(key, values, sink);
      context_.counters().Add("combine.input.records", int64_t(j - i));
    } else {
      for (size_t k = i; k < j; ++k) {
        sink.Emit(key, arena.substr(entries_[k].offset + key.size(), entries_[k].value_size));
      }
    }
    i = j;
  }
  entries_.clear();
  arena_.clear();
}

void MapOutputWriter::Spill() {
  std::string spill_path = path_ + ".spill" + std::to_string(spill_paths_.size());
  RunSink sink(spill_path, partitions_);
  WriteSorted(sink);
  spill_indexes_.push_back(sink.Commit());
  spill_paths_.push_back(spill_path);
  context_.counters().Add("map.spills", 1);
}

PartitionIndex MapOutputWriter::Commit() {
  context_.counters().Add("map.output.records", int64_t(records_));
  RunSink out(path_, partitions_);
  if (spill_paths_.empty()) {
    WriteSorted(out);
  } else {
    if (!entries_.empty()) Spill();
    for (int p = 0; p < partitions_; ++p) {
      out.StartPartition(p);
      std::vector<std::unique_ptr<RecordSource>> runs;
      for (size_t s = 0; s < spill_paths_.size(); ++s) {
        const PartitionIndex& index = spill_indexes_[s];
        runs.push_back(OpenFileRun(spill_paths_[s], index[p], index[p + 1] - index[p]));
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
  if (combiner_) context_.counters().Add("combine.output.records", int64_t(out.records()));
  PartitionIndex index = out.Commit();
  context_.counters().Add("map.output.bytes", int64_t(index.back()));
  return index;
}

}  // namespace minimr::shuffle
