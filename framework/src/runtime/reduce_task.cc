#include "framework/src/runtime/reduce_task.h"

#include <unistd.h>

#include <cstdio>
#include <deque>

#include "framework/src/runtime/job_output.h"
#include "framework/src/runtime/part_file_writer.h"
#include "framework/src/runtime/task_context_impl.h"
#include "framework/src/shuffle/merger.h"
#include "framework/src/util/atomic_file.h"
#include "framework/src/wire/archive.h"
#include "framework/src/wire/blocking_client.h"

namespace minimr::runtime {
namespace {

// Fetched partitions up to this size stay in memory; larger ones are spilled to scratch files.
constexpr size_t kInMemoryFetch = 8u << 20;

}  // namespace

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

Counters RunReduceTask(const wire::TaskSpec& task, MapOutputLocations& locations,
                       const JobDefinition& job, const wire::Security& security,
                       const std::string& scratch_dir, std::chrono::milliseconds fetch_timeout,
                       const TaskControl& control) {
  TaskContextImpl context(Params(task.params), "reduce", task.index);

  // Fetch every map output's partition: into memory while it is small, streamed onto local disk
  // once it grows past kInMemoryFetch.
  std::deque<std::string> in_memory;  // grows as locations arrive; never moves its strings
  std::vector<std::string> scratch_files;
  struct ScratchCleanup {
    std::vector<std::string>& files;
    ~ScratchCleanup() {
      for (const auto& f : files) ::unlink(f.c_str());
    }
  } cleanup{scratch_files};
  std::vector<std::unique_ptr<shuffle::RecordSource>> runs;
  int64_t fetched = 0;
  for (wire::MapOutputLocation location; locations.Next(&location);) {
    std::string& bytes = in_memory.emplace_back();
    std::unique_ptr<AtomicFile> file;
    control.CheckCancel();
    uint64_t size = 0;
    try {
      size = FetchPartition(location, task.job_id, task.index, security, fetch_timeout,
                            [&](std::string_view piece) {
      control.CheckCancel();
      if (!file && bytes.size() + piece.size() > kInMemoryFetch) {
        file = std::make_unique<AtomicFile>(scratch_dir + "/reduce" + std::to_string(task.index) +
                                                "-map" + std::to_string(location.map_task),
                                            0600);  // map output, this user's only
        file->Write(bytes);
        bytes.clear();
        bytes.shrink_to_fit();
      }
      if (file) {
        file->Write(piece);
      } else {
        bytes.append(piece);
      }
    });
    } catch (const TaskKilled&) {
      throw;
    } catch (const std::exception& e) {
      // The master takes every other output on that worker for lost with this one.
      throw FetchFailure(e.what(), {location});
    }
    fetched += static_cast<int64_t>(size);
    if (file) {
      file->Commit(/*durable=*/false);
      scratch_files.push_back(file->path());
      runs.push_back(shuffle::OpenFileRun(file->path(), 0, size));
    } else {
      runs.push_back(shuffle::OpenMemoryRun(bytes));
    }
  }
  context.counters().Add("reduce.shuffle.bytes", fetched);

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
