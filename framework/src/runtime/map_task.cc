#include "framework/src/runtime/map_task.h"

#include "framework/src/runtime/task_context_impl.h"

namespace minimr::runtime {

MapTaskOutput RunMapTask(const wire::TaskSpec& task, const InputFiles& files,
                         const JobDefinition& job, const std::string& output_path,
                         uint64_t memory_limit, const TaskControl& control) {
  TaskContextImpl context(Params(task.params), "map", task.index);
  const bool synthetic = task.file_index == kSyntheticSplit && files.paths.empty();
  if (!synthetic &&
      (task.file_index < 0 || static_cast<size_t>(task.file_index) >= files.paths.size())) {
    throw std::runtime_error("map task " + std::to_string(task.index) + " reads input file " +
                             std::to_string(task.file_index) + " of " +
                             std::to_string(files.paths.size()));
  }
  InputSplit split{task.file_index, task.offset, task.length};
  context.SetInput(&files, split);

  std::unique_ptr<InputFormat> input =
      job.input_format ? job.input_format() : std::make_unique<LineInputFormat>();
  std::unique_ptr<Partitioner> partitioner =
      job.partitioner ? job.partitioner() : std::make_unique<HashPartitioner>();
  std::unique_ptr<Mapper> mapper = job.mapper();

  std::unique_ptr<RecordReader> reader = input->Open(files, split, context);
  context.SetReader(reader.get());
  partitioner->Setup(context);
  shuffle::MapOutputWriter output(output_path, task.reduce_tasks, *partitioner, job.combiner,
                                  context, task.shuffle.sort_buffer, task.shuffle.merge_factor,
                                  memory_limit);
  mapper->Setup(context);
  std::string_view key, value;
  int64_t records = 0;
  while (reader->Next(&key, &value)) {
    mapper->Map(key, value, output);
    ++records;
    if ((records & 255) == 0) {
      control.bytes_read->store(reader->bytes_read(), std::memory_order_relaxed);
      control.CheckCancel();
      if (control.faults) control.faults->OnRecords(256);
    }
  }
  mapper->Finish(output);
  control.bytes_read->store(reader->bytes_read(), std::memory_order_relaxed);
  if (control.faults) control.faults->OnRecords(records & 255);
  control.CheckCancel();
  context.counters().Add("map.input.records", records);
  context.counters().Add("map.input.bytes", int64_t(reader->bytes_read()));

  MapTaskOutput result;
  result.output = output.Commit();
  result.counters = std::move(context.counters());
  return result;
}

}  // namespace minimr::runtime
