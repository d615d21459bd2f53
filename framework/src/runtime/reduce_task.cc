#include "framework/src/runtime/reduce_task.h"

#include <unistd.h>

#include <cstdio>

#include "framework/src/runtime/job_output.h"
#include "framework/src/runtime/part_file_writer.h"
#include "framework/src/runtime/task_context_impl.h"
#include "framework/src/shuffle/merger.h"
#include "framework/src/shuffle/shuffle_buffer.h"
#include "framework/src/util/atomic_file.h"
#include "framework/src/wire/archive.h"
#include "framework/src/wire/blocking_client.h"

namespace minimr::runtime {

std::string PartFileName(int index) {
  char name[32];
  std::snprintf(name, sizeof name, "part-r-%05d", index);
  return name;
}

uint64_t FetchPartition(const wire::MapOutputLocation& from, uint64_t job_id, int partition,
                        const wire::Security& security, std::chrono::milliseconds timeout,
                        const std::function<void(std::string_view)>& sink) {
  std::string where = "map task " + std::to_string(from.map_task) + "'s output on " + from.host +
                      ":" + std::to_string(from.port);
  try {
    wire::BlockingClient client(from.host, from.port, security, timeout);
    wire::FetchRequest request{job_id, from.map_task, from.attempt, partition};
    client.Send(wire::MessageType::kFetchRequest, wire::Encode(request));
    uint64_t received = 0;
    for (;;) {
      wire::MessageType type;
      std::string body;
      client.Receive(&type, &body);
      if (type == wire::MessageType::kFetchData) {
        received += body.size();
        sink(body);
      } else if (type == wire::MessageType::kFetchEnd) {
        wire::FetchEnd end;
        wire::Decode(body, end);
        if (!end.ok) throw std::runtime_error(end.error);
        if (end.bytes != received) throw std::runtime_error("incomplete transfer");
        return received;
      } else {
        throw std::runtime_error("unexpected message");
      }
    }
  } catch (const std::exception& e) {
    throw std::runtime_error("fetching " + where + ": " + e.what());
  }
}

Counters RunReduceTask(const wire::TaskSpec& task, const JobDefinition& job,
                       const wire::Security& security, const std::string& scratch_dir,
                       std::chrono::milliseconds fetch_timeout, const TaskControl& control) {
  TaskContextImpl context(Params(task.params), "reduce", task.index);

  // Fetch every map output's partition into the shuffle buffer, which keeps them in memory up to
  // the job's reduce.shuffle_buffer and merges them onto local disk beyond it.
  shuffle::ShuffleBuffer buffer(scratch_dir + "/reduce" + std::to_string(task.index) + "-" +
                                    std::to_string(task.attempt) + "-run",
                                task.shuffle.shuffle_buffer, task.shuffle.merge_factor);
  for (size_t m = 0; m < task.map_outputs.size(); ++m) {
    const wire::MapOutputLocation& location = task.map_outputs[m];
    control.CheckCancel();
    std::unique_ptr<shuffle::ShuffleBuffer::Segment> segment = buffer.Begin();
    try {
      FetchPartition(location, task.job_id, task.index, security, fetch_timeout,
                     [&](std::string_view piece) {
                       control.CheckCancel();
                       segment->Append(piece);
                     });
    } catch (const TaskKilled&) {
      throw;
    } catch (const std::exception& e) {
      // Every output on that worker is as unreachable as this one.
      std::vector<wire::MapOutputLocation> lost;
      for (const wire::MapOutputLocation& other : task.map_outputs) {
        if (other.host == location.host && other.port == location.port) lost.push_back(other);
      }
      throw FetchFailure(e.what(), std::move(lost));
    }
    segment->Finish();
  }
  std::vector<std::unique_ptr<shuffle::RecordSource>> runs = buffer.TakeSources();
  const shuffle::ShuffleBuffer::Stats stats = buffer.stats();
  context.counters().Add("reduce.shuffle.bytes", stats.bytes);
  context.counters().Add("reduce.spills", stats.memory_spills);
  context.counters().Add("reduce.spilled_segments", stats.direct_to_disk);
  context.counters().Add("reduce.merge.passes", stats.merge_passes);

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
