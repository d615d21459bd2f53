// The job API: what a job author writes (a Mapper, a Reducer, optionally a Combiner, an
// InputFormat and a Partitioner) and how a job registers itself by name.
//
//   class WordMapper : public minimr::Mapper { ... };
//   class SumReducer : public minimr::Reducer { ... };
//   MINIMR_REGISTER_JOB(wordcount, minimr::MakeJob<WordMapper, SumReducer>());
//
// The same line registers a built-in job (linked into minimr) and a plugin's job (a shared
// library named by `plugin:` in the job file, loaded at run time; see docs/writing-a-job.md).
//
// Keys and values are byte strings. Map output is sorted by key within each partition; a reducer
// sees each key once, with all its values, and keys in increasing byte order.
#pragma once

#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "minimr/counters.h"
#include "minimr/input.h"
#include "minimr/params.h"
#include "minimr/plot.h"
#include "minimr/task_context.h"
#include "minimr/version.h"

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
  // Called once in each map task, before the first Partition (a partitioner that reads its
  // cut points from the job's parameters reads them here).
  virtual void Setup(TaskContext& context) { (void)context; }
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
  // The job file's `output.plots`: draw plots (minimr/plot.h) as "<name>." + PlotExtension(plots).
  report::PlotFormat plots = report::PlotFormat::kPng;
};

// A subcommand a job adds to the minimr binary, run as `minimr WORDS... [options]`.
struct JobCommand {
  std::string words;    // "pi generate"
  std::string summary;  // one line for `minimr --help`, options first: "--digits N --out DIR  ..."
  // argv[0] is the last of `words`; returns the exit status (0 done, 1 failed, 2 bad usage).
  std::function<int(int argc, char** argv)> run;
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
  // The report is the job's verdict, and fails when the output is wrong (teravalidate's): a run
  // without it would exit 0 whatever the output holds, so --no-report is refused.
  bool report_is_verdict = false;
  // How many plots (minimr/plot.h) `report` draws for these parameters: minimr has as many gnuplot
  // processes started while the job runs (report::StartPlotters), or fewer where cores are
  // short; the plots take turns on them. None if empty.
  std::function<int(const Params& params)> report_plots;
  // Makes input files in `directory` when the job's input patterns match nothing and its YAML has
  // `input.generate:` (whose scalars are `spec`). Progress goes to `progress`. `directory` is a
  // fresh private one (its `.lock` is the framework's; leave it be): once this returns, the
  // framework moves what it holds into the directory
  // of the first input pattern, so that an interrupted generation leaves nothing there that the
  // job would take for its whole input; if this throws, or the process is killed, none of it
  // appears (a killed one's directory is removed by the next generation).
  std::function<void(const Params& spec, const std::string& directory, std::ostream& progress)>
      generate_input;
  // The names of the files generate_input makes from `spec`, for a job that can tell without
  // making them; throws ParamError for a spec generate_input would refuse. The framework checks
  // the names against the job's input.paths before generating, so that input the job would not
  // read is refused at once rather than made (and made again on every run).
  std::function<std::vector<std::string>(const Params& spec)> generated_files;
  // For a job that makes its data instead of reading input files (teragen): its map tasks'
  // splits, from its parameters (defaults filled in, validated). Each is synthetic (file_index
  // kSyntheticSplit) and handed to the job's InputFormat with no input files; offset and length
  // mean what the job says (RowRangeInputFormat: rows). Such a job takes no input: section.
  std::function<std::vector<InputSplit>(const Params& params)> synthetic_splits;
  // Runs where the job is submitted, once its input files are known and before anything is
  // sent: returns values for some of the job's own declared parameters, which every task then
  // sees (terasort samples its input here for its partitioner's cut points). Throws to refuse
  // the job (std::runtime_error, naming what is wrong).
  std::function<std::map<std::string, std::string>(const InputFiles& input, int reduce_tasks,
                                                   const Params& params)>
      prepare;
  // Subcommands the job adds to the minimr binary (built-in jobs only).
  std::vector<JobCommand> commands;

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
  JobDefinition& Command(std::string words, std::string summary,
                         std::function<int(int, char**)> run) {
    commands.push_back({std::move(words), std::move(summary), std::move(run)});
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

// Adds a job under `name`: `define` is called once, when the job is first looked up, so that a
// definition that throws is reported by whoever asked for the job instead of aborting the
// program that loads it. Returns true. A name registered twice is reported when looked up.
bool RegisterJob(const std::string& name, std::function<JobDefinition()> define);
// Returns the built-in job registered as `name`, or nullptr. Throws std::runtime_error naming
// the job if its definition threw or lacks a mapper or reducer.
const JobDefinition* FindJob(const std::string& name);
// The names of all built-in jobs, sorted.
std::vector<std::string> RegisteredJobs();

}  // namespace minimr

// Registers the job `name`, defined by the expression after it (a JobDefinition).
#define MINIMR_REGISTER_JOB(name, ...)                                   \
  static const bool minimr_job_registered_##name = ::minimr::RegisterJob( \
      #name, [] { return ::minimr::JobDefinition(__VA_ARGS__); })

// Every file that includes this header carries the API version it was built against, as the
// name of an exported symbol; minimr reads it from a plugin before running any of its code.
#define MINIMR_API_SYMBOL_(version) minimr_plugin_api_v##version
#define MINIMR_API_SYMBOL(version) MINIMR_API_SYMBOL_(version)
extern "C" {
[[gnu::weak, gnu::used, gnu::visibility("default")]] int MINIMR_API_SYMBOL(MINIMR_API_VERSION) =
    MINIMR_API_VERSION;
}
