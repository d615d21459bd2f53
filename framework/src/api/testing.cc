#include "minimr/testing.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <iterator>
#include <memory>
#include <stdexcept>

#include "framework/src/api/job_params.h"
#include "framework/src/runtime/job_plan.h"
#include "framework/src/runtime/task_context_impl.h"
#include "minimr/input.h"

namespace minimr::testing {
namespace {

// The same TaskContext a worker hands to the job's code.
using HarnessContext = runtime::TaskContextImpl;

// What one map task reads: records, or a split of files.
struct MapTaskInput {
  const Records* records = nullptr;
  const InputFiles* files = nullptr;
  InputSplit split;
};

// Feeds every record of a map task's input to `map`, as the runtime's map task does, and adds
// the input counters.
void ReadInput(const JobDefinition& job, const MapTaskInput& input, HarnessContext& context,
               const std::function<void(std::string_view, std::string_view)>& map) {
  int64_t records = 0;
  if (input.records != nullptr) {
    for (const Record& record : *input.records) {
      map(record.first, record.second);
      ++records;
    }
  } else {
    std::unique_ptr<InputFormat> format =
        job.input_format ? job.input_format() : std::make_unique<LineInputFormat>();
    std::unique_ptr<RecordReader> reader = format->Open(*input.files, input.split, context);
    context.SetReader(reader.get());
    std::string_view key, value;
    while (reader->Next(&key, &value)) {
      map(key, value);
      ++records;
    }
    context.counters().Add("map.input.bytes", static_cast<int64_t>(reader->bytes_read()));
    context.SetReader(nullptr);
  }
  context.counters().Add("map.input.records", records);
}

void SortByKey(Records* records) {
  std::stable_sort(records->begin(), records->end(),
                   [](const Record& a, const Record& b) { return a.first < b.first; });
}

// The values of one key: a range of sorted records.
class RangeValues : public ValueIterator {
 public:
  RangeValues(const Record* begin, const Record* end) : next_(begin), end_(end) {}
  bool Next(std::string_view* value) override {
    if (next_ == end_) return false;
    *value = next_->second;
    ++next_;
    return true;
  }

 private:
  const Record* next_;
  const Record* end_;
};

// Calls group(key, values, count) once per distinct key of `sorted`.
void ForEachGroup(const Records& sorted,
                  const std::function<void(std::string_view, ValueIterator&, size_t)>& group) {
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i + 1;
    while (j < sorted.size() && sorted[j].first == sorted[i].first) ++j;
    RangeValues values(sorted.data() + i, sorted.data() + j);
    group(sorted[i].first, values, j - i);
    i = j;
  }
}

// Appends what is emitted to a list of records.
class Collector : public Emitter {
 public:
  explicit Collector(Records* records) : records_(records) {}
  void Emit(std::string_view key, std::string_view value) override {
    records_->emplace_back(std::string(key), std::string(value));
  }

 private:
  Records* records_;
};

// The map side of the shuffle for one map task: partitions what the mapper emits, sorts each
// partition by key and combines it, spilling every `spill_records` records if that is not 0.
class MapOutput : public Emitter {
 public:
  MapOutput(int partitions, Partitioner& partitioner, Reducer* combiner, TaskContext& context,
            size_t spill_records)
      : partitions_(partitions),
        partitioner_(partitioner),
        combiner_(combiner),
        context_(context),
        spill_records_(spill_records),
        buffer_(partitions) {}

  void Emit(std::string_view key, std::string_view value) override {
    int p = partitioner_.Partition(key, partitions_);
    if (p < 0 || p >= partitions_) {
      throw std::runtime_error("the partitioner sent key '" + std::string(key) + "' to partition " +
                               std::to_string(p) + " of " + std::to_string(partitions_));
    }
    buffer_[p].emplace_back(std::string(key), std::string(value));
    ++records_;
    if (spill_records_ != 0 && ++buffered_ >= spill_records_) Spill();
  }

  // Returns the task's output, partition by partition, each sorted by key.
  std::vector<Records> Commit() {
    context_.counters().Add("map.output.records", records_);
    std::vector<Records> output;
    if (spills_.empty()) {
      output = SortAndCombine(&buffer_);
    } else {
      if (buffered_ != 0) Spill();
      output.resize(partitions_);
      for (int p = 0; p < partitions_; ++p) {
        Records merged;
        for (std::vector<Records>& spill : spills_) {
          std::move(spill[p].begin(), spill[p].end(), std::back_inserter(merged));
        }
        SortByKey(&merged);
        Collector out(&output[p]);
        ForEachGroup(merged, [&](std::string_view key, ValueIterator& values, size_t) {
          if (combiner_ != nullptr) {
            combiner_->Reduce(key, values, out);
          } else {
            for (std::string_view value; values.Next(&value);) out.Emit(key, value);
          }
        });
      }
    }
    if (combiner_ != nullptr) {
      int64_t combined = 0;
      for (const Records& partition : output) combined += static_cast<int64_t>(partition.size());
      context_.counters().Add("combine.output.records", combined);
    }
    return output;
  }

 private:
  // Sorts each partition of *buffer by key and combines it; empties *buffer.
  std::vector<Records> SortAndCombine(std::vector<Records>* buffer) {
    std::vector<Records> output(partitions_);
    for (int p = 0; p < partitions_; ++p) {
      Records& records = (*buffer)[p];
      SortByKey(&records);
      if (combiner_ == nullptr) {
        output[p] = std::move(records);
      } else {
        Collector out(&output[p]);
        ForEachGroup(records, [&](std::string_view key, ValueIterator& values, size_t count) {
          combiner_->Reduce(key, values, out);
          context_.counters().Add("combine.input.records", static_cast<int64_t>(count));
        });
      }
      records.clear();
    }
    return output;
  }

  void Spill() {
    spills_.push_back(SortAndCombine(&buffer_));
    buffered_ = 0;
    context_.counters().Add("map.spills", 1);
  }

  int partitions_;
  Partitioner& partitioner_;
  Reducer* combiner_;
  TaskContext& context_;
  size_t spill_records_;
  std::vector<Records> buffer_;
  size_t buffered_ = 0;
  int64_t records_ = 0;
  std::vector<std::vector<Records>> spills_;
};

}  // namespace

Records JobOutput::All() const {
  Records all;
  for (const Records& partition : partitions)
    all.insert(all.end(), partition.begin(), partition.end());
  return all;
}

JobHarness::JobHarness(JobDefinition job, std::string name)
    : job_(std::move(job)), name_(std::move(name)) {
  if (!job_.mapper || !job_.reducer) {
    throw std::logic_error("job '" + name_ + "' needs a mapper and a reducer");
  }
}

JobHarness JobHarness::ForJob(const std::string& name) {
  const JobDefinition* job = FindJob(name);
  if (!job) throw std::runtime_error("no job named '" + name + "' is registered");
  return JobHarness(*job, name);
}

JobHarness& JobHarness::Param(std::string name, std::string value) {
  params_[std::move(name)] = std::move(value);
  return *this;
}

JobHarness& JobHarness::ReduceTasks(int count) {
  if (count < 1) throw std::invalid_argument("ReduceTasks: want at least 1");
  reduce_tasks_ = count;
  return *this;
}

JobHarness& JobHarness::MapTask(Records input) {
  inputs_.push_back({std::move(input), {}, 0});
  return *this;
}

JobHarness& JobHarness::Files(std::vector<std::string> paths, uint64_t split_size) {
  inputs_.push_back({{}, std::move(paths), split_size});
  return *this;
}

JobHarness& JobHarness::SpillEvery(size_t records) {
  spill_records_ = records;
  return *this;
}

namespace {

// Calls task(index, input) for every map task of `inputs`, in order; with no inputs, for every
// synthetic split of a job that declares them.
template <class Input>
void ForEachMapTask(const JobDefinition& job, const Params& params,
                    const std::vector<Input>& inputs,
                    const std::function<void(int, const MapTaskInput&)>& task) {
  int index = 0;
  if (inputs.empty() && job.synthetic_splits) {
    const InputFiles none;
    for (const InputSplit& split : runtime::PlanJob(job, params, {}, 0).splits) {
      task(index++, {nullptr, &none, split});
    }
    return;
  }
  for (const Input& input : inputs) {
    if (input.paths.empty()) {
      task(index++, {&input.records, nullptr, {}});
      continue;
    }
    // Cut into splits as the master cuts them.
    runtime::JobPlan plan = runtime::PlanJob(input.paths, input.split_size);
    for (const InputSplit& split : plan.splits) {
      task(index++, {nullptr, &plan.files, split});
    }
  }
}

}  // namespace

JobOutput JobHarness::Run() const {
  Params params = ResolveParams(name_, job_, params_);
  JobOutput result;
  // map_outputs[m][p]: map task m's output for partition p.
  std::vector<std::vector<Records>> map_outputs;
  ForEachMapTask(job_, params, inputs_, [&](int index, const MapTaskInput& input) {
    HarnessContext context(params, "map", index);
    if (input.files != nullptr) context.SetInput(input.files, input.split);
    std::unique_ptr<Partitioner> partitioner =
        job_.partitioner ? job_.partitioner() : std::make_unique<HashPartitioner>();
    partitioner->Setup(context);
    std::unique_ptr<Reducer> combiner;
    if (job_.combiner) {
      combiner = job_.combiner();
      combiner->Setup(context);
    }
    MapOutput output(reduce_tasks_, *partitioner, combiner.get(), context, spill_records_);
    std::unique_ptr<Mapper> mapper = job_.mapper();
    mapper->Setup(context);
    ReadInput(job_, input, context, [&](std::string_view key, std::string_view value) {
      mapper->Map(key, value, output);
    });
    mapper->Finish(output);
    map_outputs.push_back(output.Commit());
    result.counters.Merge(context.counters());
  });

  result.partitions.resize(reduce_tasks_);
  for (int p = 0; p < reduce_tasks_; ++p) {
    HarnessContext context(params, "reduce", p);
    Records input;
    for (std::vector<Records>& output : map_outputs) {
      std::move(output[p].begin(), output[p].end(), std::back_inserter(input));
    }
    SortByKey(&input);
    std::unique_ptr<Reducer> reducer = job_.reducer();
    reducer->Setup(context);
    Collector out(&result.partitions[p]);
    int64_t groups = 0;
    ForEachGroup(input, [&](std::string_view key, ValueIterator& values, size_t) {
      ++groups;
      reducer->Reduce(key, values, out);
    });
    reducer->Finish(out);
    context.counters().Add("reduce.input.groups", groups);
    context.counters().Add("reduce.output.records",
                           static_cast<int64_t>(result.partitions[p].size()));
    result.counters.Merge(context.counters());
  }
  return result;
}

MapperOutput JobHarness::RunMapper() const {
  Params params = ResolveParams(name_, job_, params_);
  MapperOutput result;
  ForEachMapTask(job_, params, inputs_, [&](int index, const MapTaskInput& input) {
    HarnessContext context(params, "map", index);
    if (input.files != nullptr) context.SetInput(input.files, input.split);
    size_t before = result.records.size();
    Collector out(&result.records);
    std::unique_ptr<Mapper> mapper = job_.mapper();
    mapper->Setup(context);
    ReadInput(job_, input, context,
              [&](std::string_view key, std::string_view value) { mapper->Map(key, value, out); });
    mapper->Finish(out);
    context.counters().Add("map.output.records",
                           static_cast<int64_t>(result.records.size() - before));
    result.counters.Merge(context.counters());
  });
  return result;
}

}  // namespace minimr::testing
