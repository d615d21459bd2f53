// A total order across reduce tasks, as Hadoop's InputSampler and TotalOrderPartitioner make it:
// keys are sampled from the input before the job runs, sorted, and cut into as many ranges of
// about equal size as there are reduce tasks. Reduce task r gets the keys in [cut[r-1], cut[r]),
// so the job's part files, concatenated in name order, are sorted.
//
//   job.prepare = [](const InputFiles& input, int reduce_tasks, const Params&) {
//     FixedRecordInputFormat format(100, 10);
//     auto cuts = CutPoints(SampleKeys(input, format, 100000, 10), reduce_tasks);
//     return std::map<std::string, std::string>{{"cut_points", EncodeCutPoints(cuts)}};
//   };
//   job.partitioner = [] { return std::make_unique<TotalOrderPartitioner>("cut_points"); };
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "minimr/input.h"
#include "minimr/job.h"

namespace minimr {

// The keys of about `count` records of `files`, read through `format`: count/places records from
// each of `places` points spread evenly over the input's bytes (Hadoop's TeraSort samples the
// same way). Input that is already ordered in runs longer than that gives a poor sample. Throws
// what the format throws. REQUIRES: places >= 1.
std::vector<std::string> SampleKeys(const InputFiles& files, InputFormat& format, size_t count,
                                    int places);

// The partitions - 1 cut points of a sample: after sorting, the keys at i * n / partitions for
// i = 1 .. partitions - 1. None for an empty sample or one partition. REQUIRES: partitions >= 1.
std::vector<std::string> CutPoints(std::vector<std::string> sample, int partitions);

// Cut points as the text of a job parameter: each key in lower-case hex, separated by commas.
std::string EncodeCutPoints(const std::vector<std::string>& cuts);
// The reverse. Throws ParamError naming `param` for text that is not hex keys in increasing
// order (equal keys allowed).
std::vector<std::string> DecodeCutPoints(std::string_view text, const std::string& param);

// Sends a key to the number of cut points that are <= it (a binary search), reading the cut
// points from a job parameter in Setup.
class TotalOrderPartitioner : public Partitioner {
 public:
  // `param`: the job parameter that holds the cut points (EncodeCutPoints's text).
  explicit TotalOrderPartitioner(std::string param) : param_(std::move(param)) {}

  // Reads the cut points; throws ParamError if the parameter is missing or malformed.
  void Setup(TaskContext& context) override;
  // Throws std::runtime_error unless there are partitions - 1 cut points.
  int Partition(std::string_view key, int partitions) override;
  // Sets the cut points instead of Setup. REQUIRES: in increasing order.
  void SetCutPoints(std::vector<std::string> cuts) { cuts_ = std::move(cuts); }

 private:
  std::string param_;
  std::vector<std::string> cuts_;
};

}  // namespace minimr
