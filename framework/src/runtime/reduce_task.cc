#include "framework/src/runtime/reduce_task.h"

#include <chrono>
#include <cstdio>

#include "framework/src/runtime/clock.h"
#include "framework/src/runtime/job_output.h"
#include "framework/src/runtime/part_file_writer.h"
#include "framework/src/runtime/task_context_impl.h"
#include "framework/src/shuffle/merger.h"
#include "framework/src/shuffle/shuffle_buffer.h"
#include "minimr/atomic_file.h"

namespace minimr::runtime {

std::string PartFileName(int index) {
  char name[32];
  std::snprintf(name, sizeof name, "part-r-%05d", index);
  return name;
}

namespace {

// Hands each fetched partition of one batch of map outputs to the shuffle buffer as a segment of
// its own. Copier threads touch different outputs' slots only; the buffer itself is thread-safe.
class SegmentSink : public FetchSink {
 public:
  SegmentSink(shuffle::ShuffleBuffer& buffer, size_t outputs) : buffer_(buffer), slots_(outputs) {}

  void Piece(size_t output, std::string_view bytes) override {
    std::unique_ptr<shuffle::ShuffleBuffer::Segment>& segment = slots_[output];
    if (!segment) segment = buffer_.Begin();
    segment->Append(bytes);
  }

  void Done(size_t output, uint64_t) override {
    std::unique_ptr<shuffle::ShuffleBuffer::Segment>& segment = slots_[output];
    if (segment) segment->Finish();  // an empty partition adds nothing
    segment.reset();
  }

 private:
  shuffle::ShuffleBuffer& buffer_;
  std::vector<std::unique_ptr<shuffle::ShuffleBuffer::Segment>> slots_;
};

// Locations are fetched from the master and their outputs fetched from the workers this many
// at a time, so that neither list grows with the job's map tasks.
constexpr size_t kFetchBatch = 4096;

}  // namespace

Counters RunReduceTask(const wire::TaskSpec& task, MapOutputLocations& locations,
                       const JobDefinition& job, FetchConnections& connections,
                       const std::string& scratch_dir, const TaskControl& control) {
  TaskContextImpl context(Params(task.params), "reduce", task.index);
  // Where a reduce task's time goes, as counters summed over the job's reduce tasks (job.json):
  // the shuffle (fetching and the merges of runs on disk), the reducer over the merged records
  // (writing the part file), and the part file's commit (its sync to disk).
  const SteadyClock clock;
  auto milliseconds_since = [&clock](TimePoint start) {
    return static_cast<int64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(clock.Now() - start).count());
  };
  const TimePoint shuffle_start = clock.Now();

  // Fetch every map output's partition into the shuffle buffer, which keeps them in memory up to
  // the job's reduce.shuffle_buffer and merges them onto local disk beyond it.
  control.CheckCancel();
  shuffle::ShuffleBuffer buffer(scratch_dir + "/reduce" + std::to_string(task.index) + "-" +
                                    std::to_string(task.attempt) + "-run",
                                task.shuffle.shuffle_buffer, task.shuffle.merge_factor);
  int64_t opened_before = connections.opened();
  std::vector<wire::MapOutputLocation> batch;
  for (;;) {
    batch.clear();
    for (wire::MapOutputLocation location;
         batch.size() < kFetchBatch && locations.Next(&location);) {
      batch.push_back(std::move(location));
    }
    if (batch.empty()) break;
    SegmentSink sink(buffer, batch.size());
    FetchMapOutputs(batch, task.job_id, task.index, task.parallel_copies, connections, control,
                    sink);
  }
  std::vector<std::unique_ptr<shuffle::RecordSource>> runs = buffer.TakeSources();
  context.counters().Add("reduce.shuffle.milliseconds", milliseconds_since(shuffle_start));
  const TimePoint reduce_start = clock.Now();
  const shuffle::ShuffleBuffer::Stats stats = buffer.stats();
  context.counters().Add("reduce.shuffle.connections", connections.opened() - opened_before);
  context.counters().Add("reduce.shuffle.bytes", stats.bytes);
  context.counters().Add("reduce.spills", stats.memory_spills);
  context.counters().Add("reduce.spilled_segments", stats.direct_to_disk);
  context.counters().Add("reduce.merge.passes", stats.merge_passes);

  const std::optional<OutputFormat> format = ParseOutputFormat(task.output_format);
  if (!format) throw std::runtime_error("unknown output format '" + task.output_format + "'");
  std::unique_ptr<Reducer> reducer = job.reducer();
  reducer->Setup(context);
  AtomicFile part(AttemptPartPath(task.output_dir, task.index, task.attempt));
  part.StartWritebackEvery(8 << 20);  // the disk writes while the reducer works
  PartFileWriter output(part, *format);
  int64_t groups = 0;
  shuffle::MergeGroups(std::move(runs), [&](std::string_view k, ValueIterator& values) {
    if ((++groups & 1023) == 0) control.CheckCancel();
    reducer->Reduce(k, values, output);
  });
  reducer->Finish(output);
  output.Flush();
  context.counters().Add("reduce.reducer.milliseconds", milliseconds_since(reduce_start));
  const TimePoint commit_start = clock.Now();
  part.Commit();
  context.counters().Add("reduce.commit.milliseconds", milliseconds_since(commit_start));
  context.counters().Add("reduce.input.groups", groups);
  context.counters().Add("reduce.output.records", output.records());
  return std::move(context.counters());
}

}  // namespace minimr::runtime
