// Running a job in-process, for its author's tests (in the spirit of Hadoop's MRUnit): no
// cluster, no files unless you give some, the job's own classes called the way the runtime
// calls them.
//
//   minimr::testing::JobOutput result = minimr::testing::JobHarness::ForJob("keystats")
//       .MapTask({{"0", "a 1"}, {"4", "b 2"}})
//       .ReduceTasks(2)
//       .Run();
//   // result.All(): every reduce task's output pairs; result.counters: the summed counters.
//
// What it reproduces of the runtime:
//   - parameters resolved as for a job file: the job's defaults, unknown names refused, the
//     job's validate() run (ParamError);
//   - input files cut into splits as input.split_size does (one per file, or `split_size`
//     bytes each; empty files get none) and read through the job's InputFormat (LineInputFormat
//     if it has none), with a TaskContext that answers input_file(), input_split() and
//     past_split_end() as a worker's does; a job with synthetic_splits and no MapTask or Files
//     given runs one map task per synthetic split, as the master plans them;
//   - per map task: the partitioner's Setup, the combiner's Setup, then the mapper's Setup, Map over every record and
//     Finish; the job's Partitioner (HashPartitioner if none) on every emitted key, refused if
//     out of range; the output sorted by key bytes within each partition and grouped, the
//     combiner run once per key (with phase() "map"), or, with SpillEvery(n), on every n
//     records emitted and again on the merged spills, as a map task whose output outgrows
//     memory does;
//   - per reduce task, one per partition even if empty: the reducer's Setup, Reduce once per
//     key in increasing byte order with the values of every map task, and Finish;
//   - counters summed over all tasks, the job's own and the runtime's map.input.records,
//     map.input.bytes (files only), map.output.records, map.spills, combine.input.records,
//     combine.output.records, reduce.input.groups and reduce.output.records (not the byte
//     counts of the shuffle, which depend on its file format).
// What it does not: processes, the network, retries, speculation, the report step. Values of a
// key arrive in a fixed order (map task by map task, in the order they were emitted) where the
// runtime promises none. Exceptions from the job's code come out of Run() unchanged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "minimr/codec.h"
#include "minimr/counters.h"
#include "minimr/job.h"

namespace minimr::testing {

// A key and a value, as bytes.
using Record = std::pair<std::string, std::string>;
using Records = std::vector<Record>;

struct JobOutput {
  // What each reduce task emitted, in order: partitions[r] is what part-r-0000r would hold.
  std::vector<Records> partitions;
  // Summed over every map and reduce task.
  Counters counters;

  // Every partition's records, partition after partition.
  Records All() const;
};

struct MapperOutput {
  // What the mapper emitted, in order, over every map task (Map calls, then Finish).
  Records records;
  Counters counters;
};

class JobHarness {
 public:
  explicit JobHarness(JobDefinition job, std::string name = "job");
  // The job registered as `name`. Throws std::runtime_error if there is none.
  static JobHarness ForJob(const std::string& name);

  // Sets a parameter as `params:` in a job file would, the value as its YAML scalar text.
  JobHarness& Param(std::string name, std::string value);
  // How many reduce tasks (and partitions); 1 unless set. REQUIRES: count >= 1.
  JobHarness& ReduceTasks(int count);
  // Adds a map task that maps these records (the job's InputFormat is not used).
  JobHarness& MapTask(Records input);
  // Adds map tasks over files, read through the job's InputFormat: one per split of
  // `split_size` bytes, or one per file if split_size is 0.
  JobHarness& Files(std::vector<std::string> paths, uint64_t split_size = 0);
  // Spills (sorts and combines) a map task's output every `records` emitted records, and
  // merges and combines the spills at the end. 0, the default: never.
  JobHarness& SpillEvery(size_t records);

  // Runs the whole job. Throws ParamError for bad parameters, std::runtime_error for input
  // files that cannot be read, and whatever the job's code throws.
  JobOutput Run() const;
  // Runs only the mappers, over every map task's input: no partitioner, no sorting, no combiner.
  MapperOutput RunMapper() const;

 private:
  struct MapInput {
    Records records;
    std::vector<std::string> paths;  // files instead of records, if not empty
    uint64_t split_size = 0;
  };

  JobDefinition job_;
  std::string name_;
  std::map<std::string, std::string> params_;
  int reduce_tasks_ = 1;
  std::vector<MapInput> inputs_;
  size_t spill_records_ = 0;
};

// Decodes records of a typed job's map output (Codec<K>, Codec<V>), e.g. from RunMapper().
// REQUIRES for view types (std::string_view): `records` outlives the result.
template <class K, class V>
std::vector<std::pair<K, V>> DecodeRecords(const Records& records) {
  std::vector<std::pair<K, V>> pairs;
  pairs.reserve(records.size());
  for (const Record& record : records) {
    pairs.emplace_back(Codec<K>::Decode(record.first), Codec<V>::Decode(record.second));
  }
  return pairs;
}

}  // namespace minimr::testing
