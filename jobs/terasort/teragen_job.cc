// teragen: makes Sort Benchmark records (terasort/tera_record.h), rows 0 to params.records - 1,
// deterministic from params.seed, in params.map_tasks map tasks that each make a range of rows.
// It reads no input files (synthetic splits). The records reach the part files in row order:
// part file r holds the r-th of reduce.tasks equal ranges of rows. With output.format: raw, the
// part files hold the 100-byte records and nothing else; the job's counters tera.records and
// tera.checksum (the sum of the records' CRC-32s) are what teravalidate checks a sort against.
#include <limits>
#include <memory>
#include <string>

#include "minimr/codec.h"
#include "minimr/input.h"
#include "minimr/job.h"
#include "terasort/tera_record.h"

namespace {

// Checksums stay exact in a signed 64-bit counter up to 2^31 records (214 GB) of CRC-32s.
constexpr int64_t kMaxRecords = int64_t{1} << 31;

class GenerateMapper : public minimr::Mapper {
 public:
  void Setup(minimr::TaskContext& context) override {
    context_ = &context;
    seed_ = static_cast<uint64_t>(context.params().GetInt("seed", 0));
  }

  // key: the row number (RowRangeInputFormat's 8 bytes).
  void Map(std::string_view row, std::string_view, minimr::Emitter& out) override {
    terasort::MakeRecord(seed_, minimr::Codec<uint64_t>::Decode(row), record_);
    const std::string_view key(record_, terasort::kKeySize);
    const std::string_view value(record_ + terasort::kKeySize,
                                 terasort::kRecordSize - terasort::kKeySize);
    checksum_ += terasort::RecordCrc(key, value);
    ++records_;
    out.Emit(row, std::string_view(record_, terasort::kRecordSize));
  }

  void Finish(minimr::Emitter&) override {
    context_->counters().Add(terasort::kRecordsCounter, records_);
    context_->counters().Add(terasort::kChecksumCounter, static_cast<int64_t>(checksum_));
  }

 private:
  minimr::TaskContext* context_ = nullptr;
  uint64_t seed_ = 0;
  char record_[terasort::kRecordSize];
  int64_t records_ = 0;
  uint64_t checksum_ = 0;
};

// Row r of n to reduce task r * partitions / n: each part file a range of rows, in order.
class RowRangePartitioner : public minimr::Partitioner {
 public:
  void Setup(minimr::TaskContext& context) override {
    rows_ = static_cast<uint64_t>(context.params().GetInt("records", 0));
  }
  int Partition(std::string_view row, int partitions) override {
    const auto r = static_cast<unsigned __int128>(minimr::Codec<uint64_t>::Decode(row));
    return static_cast<int>(r * static_cast<unsigned>(partitions) / rows_);
  }

 private:
  uint64_t rows_ = 1;
};

// Writes each record as key (its first 10 bytes) and value (the other 90).
class RecordReducer : public minimr::Reducer {
 public:
  void Reduce(std::string_view, minimr::ValueIterator& values, minimr::Emitter& out) override {
    for (std::string_view record; values.Next(&record);) {
      out.Emit(record.substr(0, terasort::kKeySize), record.substr(terasort::kKeySize));
    }
  }
};

minimr::JobDefinition TeraGen() {
  minimr::JobDefinition job = minimr::MakeJob<GenerateMapper, RecordReducer>();
  job.Describe("makes Sort Benchmark records (gensort -a's layout) in parallel map tasks")
      .Input<minimr::RowRangeInputFormat>()
      .Param("records", "100000", "how many 100-byte records (rows 0 to records - 1)")
      .Param("seed", "0", "the records are a function of the seed and the row number")
      .Param("map_tasks", "4", "how many map tasks make them, each a range of rows");
  job.partitioner = [] { return std::make_unique<RowRangePartitioner>(); };
  job.validate = [](const minimr::Params& params) {
    params.GetInt("records", 0, 0, kMaxRecords);
    params.GetInt("seed", 0, 0, std::numeric_limits<int64_t>::max());
    params.GetInt("map_tasks", 0, 1, 100000);
  };
  job.synthetic_splits = [](const minimr::Params& params) {
    return minimr::SplitRows(static_cast<uint64_t>(params.GetInt("records", 0)),
                             static_cast<int>(params.GetInt("map_tasks", 1)));
  };
  return job;
}

}  // namespace

MINIMR_REGISTER_JOB(teragen, TeraGen());
