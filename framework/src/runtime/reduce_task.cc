#include "framework/src/runtime/reduce_task.h"

#include <unistd.h>

#include <cstdio>
#include <deque>

#include "framework/src/runtime/job_output.h"
#include "framework/src/runtime/part_file_writer.h"
#include "framework/src/runtime/task_context_impl.h"
#include "framework/src/shuffle/merger.h"
#include "framework/src/util/atomic_file.h"

namespace minimr::runtime {

std::string PartFileName(int index) {
  char name[32];
  std::snprintf(name, sizeof name, "part-r-%05d", index);
  return name;
}

namespace {

// Fetched partitions up to this size stay in memory; larger ones are spilled to scratch files.
constexpr size_t kInMemoryFetch = 8u << 20;

// Keeps each fetched partition in memory while it is small, and streams it onto local disk
// once it grows past kInMemoryFetch. Copier threads write to different outputs' slots only.
class FetchedPartitions : public FetchSink {
 public:
  explicit FetchedPartitions(std::string scratch_prefix)
      : scratch_prefix_(std::move(scratch_prefix)) {}

  // Makes room for `more` outputs after those already there. Not while a fetch runs.
  void Grow(size_t more) { slots_.resize(slots_.size() + more); }
  ~FetchedPartitions() override {
    for (Slot& slot : slots_) {
      if (slot.committed) {
        ::unlink(slot.file->path().c_str());
      }
    }
  }

  void Piece(size_t output, std::string_view piece) override {
    Slot& slot = slots_[output];
    if (!slot.file && slot.bytes.size() + piece.size() > kInMemoryFetch) {
      slot.file = std::make_unique<AtomicFile>(scratch_prefix_ + std::to_string(output),
                                               0600);  // map output, this user's only
      slot.file->Write(slot.bytes);
      slot.bytes.clear();
      slot.bytes.shrink_to_fit();
    }
    if (slot.file) {
      slot.file->Write(piece);
    } else {
      slot.bytes.append(piece);
    }
  }

  void Done(size_t output, uint64_t size) override {
    Slot& slot = slots_[output];
    slot.size = size;
    if (slot.file) {
      slot.file->Commit(/*durable=*/false);
      slot.committed = true;
    }
  }

  // The fetched partitions as sorted runs, in the order of the map outputs. REQUIRES: every
  // output is Done; this object outlives the runs.
  std::vector<std::unique_ptr<shuffle::RecordSource>> Runs() {
    std::vector<std::unique_ptr<shuffle::RecordSource>> runs;
    for (Slot& slot : slots_) {
      runs.push_back(slot.file ? shuffle::OpenFileRun(slot.file->path(), 0, slot.size)
                               : shuffle::OpenMemoryRun(slot.bytes));
    }
    return runs;
  }

  int64_t bytes() const {
    int64_t total = 0;
    for (const Slot& slot : slots_) total += static_cast<int64_t>(slot.size);
    return total;
  }

 private:
  struct Slot {
    std::string bytes;
    std::unique_ptr<AtomicFile> file;
    bool committed = false;
    uint64_t size = 0;
  };
  std::deque<Slot> slots_;  // never moves a slot: memory runs point into them
  std::string scratch_prefix_;
};

// The sink of one batch of outputs: its outputs are `first`, `first + 1`, ... of `all`.
class BatchSink : public FetchSink {
 public:
  BatchSink(FetchSink& all, size_t first) : all_(all), first_(first) {}
  void Piece(size_t output, std::string_view bytes) override { all_.Piece(first_ + output, bytes); }
  void Done(size_t output, uint64_t size) override { all_.Done(first_ + output, size); }

 private:
  FetchSink& all_;
  size_t first_;
};

// Locations are fetched from the master and their outputs fetched from the workers this many
// at a time, so that neither list grows with the job's map tasks.
constexpr size_t kFetchBatch = 4096;

}  // namespace

Counters RunReduceTask(const wire::TaskSpec& task, MapOutputLocations& locations,
                       const JobDefinition& job, FetchConnections& connections,
                       const std::string& scratch_dir, const TaskControl& control) {
  TaskContextImpl context(Params(task.params), "reduce", task.index);

  control.CheckCancel();
  FetchedPartitions fetched(scratch_dir + "/reduce" + std::to_string(task.index) + "-map");
  int64_t opened_before = connections.opened();
  std::vector<wire::MapOutputLocation> batch;
  for (size_t first = 0;; first += batch.size()) {
    batch.clear();
    for (wire::MapOutputLocation location;
         batch.size() < kFetchBatch && locations.Next(&location);) {
      batch.push_back(std::move(location));
    }
    if (batch.empty()) break;
    fetched.Grow(batch.size());
    BatchSink sink(fetched, first);
    FetchMapOutputs(batch, task.job_id, task.index, task.parallel_copies, connections, control,
                    sink);
  }
  std::vector<std::unique_ptr<shuffle::RecordSource>> runs = fetched.Runs();
  context.counters().Add("reduce.shuffle.connections", connections.opened() - opened_before);
  context.counters().Add("reduce.shuffle.bytes", fetched.bytes());

  const std::optional<OutputFormat> format = ParseOutputFormat(task.output_format);
  if (!format) throw std::runtime_error("unknown output format '" + task.output_format + "'");
  std::unique_ptr<Reducer> reducer = job.reducer();
  reducer->Setup(context);
  AtomicFile part(AttemptPartPath(task.output_dir, task.index, task.attempt));
  PartFileWriter output(part, *format);
  int64_t groups = 0;
  shuffle::MergeGroups(std::move(runs), [&](std::string_view k, ValueIterator& values) {
    if ((++groups & 1023) == 0) control.CheckCancel();
    reducer->Reduce(k, values, output);
  });
  reducer->Finish(output);
  output.Flush();
  part.Commit();
  context.counters().Add("reduce.input.groups", groups);
  context.counters().Add("reduce.output.records", output.records());
  return std::move(context.counters());
}

}  // namespace minimr::runtime
