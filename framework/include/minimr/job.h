// The job API: what a job author writes (a Mapper, a Reducer, optionally a Combiner, an
// InputFormat and a Partitioner) and how a job registers itself by name.
//
//   class WordMapper : public minimr::Mapper { ... };
//   class SumReducer : public minimr::Reducer { ... };
//   MINIMR_REGISTER_JOB(wordcount, minimr::MakeJob<WordMapper, SumReducer>());
//
// Keys and values are byte strings. Map output is sorted by key within each partition; a reducer
// sees each key once, with all its values, and keys in increasing byte order.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "minimr/counters.h"
#include "minimr/input.h"
#include "minimr/params.h"
#include "minimr/task_context.h"

namespace minimr {

// Receives the pairs a mapper, combiner or reducer produces. Copies what it keeps.
class Emitter {
 public:
  virtual ~Emitter() = default;
  virtual void Emit(std::string_view key, std::string_view value) = 0;
};

class Mapper {
 public:
  virtual ~Mapper() = default;
  // Called once before the first record.
  virtual void Setup(TaskContext& context) { (void)context; }
  virtual void Map(std::string_view key, std::string_view value, Emitter& out) = 0;
  // Called once after the last record; a mapper that combines in memory emits here.
  virtual void Finish(Emitter& out) { (void)out; }
};

// The values of one key, in no particular order. A view stays valid until the next call.
class ValueIterator {
 public:
  virtual ~ValueIterator() = default;
  virtual bool Next(std::string_view* value) = 0;
};

// Also serves as a combiner: then it runs on map output, what it emits is map output again, it
// must emit only the key it was given, and its Finish() is not called.
class Reducer {
 public:
  virtual ~Reducer() = default;
  virtual void Setup(TaskContext& context) { (void)context; }
  virtual void Reduce(std::string_view key, ValueIterator& values, Emitter& out) = 0;
  virtual void Finish(Emitter& out) { (void)out; }
};

class Partitioner {
 public:
  virtual ~Partitioner() = default;
  // Returns a partition in [0, partitions). Must be a pure function of its arguments: every map
  // task, on every machine, must send a key to the same reduce task.
  virtual int Partition(std::string_view key, int partitions) = 0;
};

// FNV-1a of the key, modulo the partition count.
class HashPartitioner : public Partitioner {
 public:
  int Partition(std::string_view key, int partitions) override;
};

// A parameter a job accepts under `params:`, with its default as YAML text.
struct ParamSpec {
  std::string name;
  std::string default_value;
  std::string help;
};

// What a job's report step gets: the finished output and what the job counted.
struct ReportContext {
  std::string output_dir;
  Params params;
  Counters counters;
  std::ostream* out = nullptr;
};

// Everything the framework needs to run a job. Only mapper and reducer are required.
struct JobDefinition {
  std::string description;
  std::function<std::unique_ptr<Mapper>()> mapper;
  std::function<std::unique_ptr<Reducer>()> reducer;
  std::function<std::unique_ptr<Reducer>()> combiner;        // none if empty
  std::function<std::unique_ptr<InputFormat>()> input_format;  // LineInputFormat if empty
  std::function<std::unique_ptr<Partitioner>()> partitioner;   // HashPartitioner if empty
  // The parameters the job accepts; any other name under params: is refused.
  std::vector<ParamSpec> params;
  // Checks the parameters (defaults filled in) before anything runs; throws ParamError naming the
  // parameter.
  std::function<void(const Params&)> validate;
  // Writes a report into the finished output directory (summary to context.out).
  std::function<void(const ReportContext&)> report;
  // Makes input files in `directory` when the job's input patterns match nothing and its YAML has
  // `input.generate:` (whose scalars are `spec`). Progress goes to `progress`.
  std::function<void(const Params& spec, const std::string& directory, std::ostream& progress)>
      generate_input;

  template <class C>
  JobDefinition& Combiner() {
    combiner = [] { return std::unique_ptr<Reducer>(new C()); };
    return *this;
  }
  template <class F>
  JobDefinition& Input() {
    input_format = [] { return std::unique_ptr<InputFormat>(new F()); };
    return *this;
  }
  JobDefinition& Describe(std::string text) {
    description = std::move(text);
    return *this;
  }
  JobDefinition& Param(std::string name, std::string default_value, std::string help) {
    params.push_back({std::move(name), std::move(default_value), std::move(help)});
    return *this;
  }
};

template <class M, class R>
JobDefinition MakeJob() {
  JobDefinition job;
  job.mapper = [] { return std::unique_ptr<Mapper>(new M()); };
  job.reducer = [] { return std::unique_ptr<Reducer>(new R()); };
  return job;
}

// Adds `job` under `name`; returns true. Throws std::logic_error if the name is taken.
bool RegisterJob(const std::string& name, JobDefinition job);
// Returns the job registered as `name`, or nullptr.
const JobDefinition* FindJob(const std::string& name);
// The names of all registered jobs, sorted.
std::vector<std::string> RegisteredJobs();

}  // namespace minimr

#define MINIMR_REGISTER_JOB(name, ...) \
  static const bool minimr_job_registered_##name = ::minimr::RegisterJob(#name, __VA_ARGS__)
