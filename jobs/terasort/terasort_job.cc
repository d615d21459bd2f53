// terasort: sorts Sort Benchmark records (100 bytes, 10-byte key) so that the part files,
// concatenated in name order, are one sorted file. Before the job is submitted, the client
// samples the input's keys (params.sample_size from params.sample_places points) and cuts them
// into reduce.tasks ranges of about equal size (minimr/total_order.h, as Hadoop's InputSampler
// and TotalOrderPartitioner); the cut points reach every map task as params.cut_points. Records
// with equal keys are written in byte order of the whole record, as `LC_ALL=C sort` writes
// them. Use output.format: raw to get the records back byte for byte.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "minimr/input.h"
#include "minimr/job.h"
#include "minimr/total_order.h"
#include "terasort/tera_record.h"

namespace {

class IdentityMapper : public minimr::Mapper {
 public:
  void Map(std::string_view key, std::string_view value, minimr::Emitter& out) override {
    out.Emit(key, value);
  }
};

class SortedRecordReducer : public minimr::Reducer {
 public:
  void Reduce(std::string_view key, minimr::ValueIterator& values, minimr::Emitter& out) override {
    std::string_view value;
    if (!values.Next(&value)) return;
    first_.assign(value);
    if (!values.Next(&value)) {  // the usual case: a key of its own
      out.Emit(key, first_);
      return;
    }
    ties_.clear();
    ties_.push_back(first_);
    do {
      ties_.emplace_back(value);
    } while (values.Next(&value));
    std::sort(ties_.begin(), ties_.end());
    for (const std::string& tie : ties_) out.Emit(key, tie);
  }

 private:
  std::string first_;
  std::vector<std::string> ties_;
};

minimr::JobDefinition TeraSort() {
  minimr::JobDefinition job = minimr::MakeJob<IdentityMapper, SortedRecordReducer>();
  job.Describe("sorts Sort Benchmark records into globally ordered part files")
      .Param("sample_size", "100000", "how many keys the client samples for the cut points")
      .Param("sample_places", "10", "from how many points spread over the input it samples")
      .Param("cut_points", "",
             "the keys (hex, comma-separated) that divide the reduce tasks' ranges; empty: "
             "sampled from the input when the job is submitted");
  job.input_format = [] {
    return std::make_unique<minimr::FixedRecordInputFormat>(terasort::kRecordSize,
                                                            terasort::kKeySize);
  };
  job.partitioner = [] { return std::make_unique<minimr::TotalOrderPartitioner>("cut_points"); };
  job.validate = [](const minimr::Params& params) {
    params.GetInt("sample_size", 0, 1, 100000000);
    params.GetInt("sample_places", 0, 1, 100000);
    minimr::DecodeCutPoints(params.GetString("cut_points", ""), "cut_points");
  };
  job.prepare = [](const minimr::InputFiles& input, int reduce_tasks,
                   const minimr::Params& params) {
    std::map<std::string, std::string> prepared;
    const std::string given = params.GetString("cut_points", "");
    if (!given.empty()) {
      const size_t count = minimr::DecodeCutPoints(given, "cut_points").size();
      if (count + 1 != static_cast<size_t>(reduce_tasks)) {
        throw minimr::ParamError("params.cut_points: " + std::to_string(count) +
                                 " cut points make " + std::to_string(count + 1) +
                                 " ranges, but reduce.tasks is " + std::to_string(reduce_tasks) +
                                 " (leave it empty to sample the input)");
      }
      return prepared;
    }
    minimr::FixedRecordInputFormat format(terasort::kRecordSize, terasort::kKeySize);
    const std::vector<std::string> sample =
        minimr::SampleKeys(input, format, static_cast<size_t>(params.GetInt("sample_size", 0)),
                           static_cast<int>(params.GetInt("sample_places", 1)));
    prepared["cut_points"] = minimr::EncodeCutPoints(minimr::CutPoints(sample, reduce_tasks));
    return prepared;
  };
  return job;
}

}  // namespace

MINIMR_REGISTER_JOB(terasort, TeraSort());
