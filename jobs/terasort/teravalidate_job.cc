// teravalidate: checks terasort's output against the teragen output it sorted. Each map task
// reads a split of the part files (listed in name order, as input.paths expands them), checks
// that its records are in key order and sums their count and CRC-32s; the one reduce task
// checks each split's first key against the last key of the split before it, across part files
// too. The report step (in the client, after the job) compares the count and the checksum with
// the counters teragen recorded in params.generated/job.json, prints what is wrong, naming the
// part file and the record (0-based, in its file), and fails (exit status 1) if anything is.
#include <cstdint>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>

#include "minimr/codec.h"
#include "minimr/input.h"
#include "minimr/job.h"
#include "minimr/output.h"
#include "terasort/tera_record.h"

namespace {

using terasort::kKeySize;
using terasort::kRecordSize;

// Map output key: (input file, record in it, kind); a split's summary sorts before its problems.
using Position = std::tuple<int64_t, uint64_t, uint8_t>;
constexpr uint8_t kSummary = 0;
constexpr uint8_t kProblem = 1;
// A split's summary: its first key, its last key, the last record's number, its file.
using Summary = std::tuple<std::string, std::string, uint64_t, std::string>;

// Problems reported per split; the rest are counted.
constexpr int64_t kMaxReported = 10;

// A key for a message: printable ASCII as it is, other bytes as \xNN.
std::string Quote(std::string_view key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text = "'";
  for (char c : key) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f && c != '\\' && c != '\'') {
      text += c;
    } else {
      text += "\\x";
      text += kHex[byte >> 4];
      text += kHex[byte & 15];
    }
  }
  return text + "'";
}

class CheckMapper : public minimr::Mapper {
 public:
  void Setup(minimr::TaskContext& context) override {
    context_ = &context;
    file_index_ = context.input_split().file_index;
    // The split's first record: the first that starts at or after its offset.
    next_record_ = (context.input_split().offset + kRecordSize - 1) / kRecordSize;
  }

  void Map(std::string_view key, std::string_view value, minimr::Emitter& out) override {
    checksum_ += terasort::RecordCrc(key, value);
    const uint64_t record = next_record_++;
    if (records_++ == 0) {
      first_key_.assign(key);
      first_record_ = record;
    } else if (key < std::string_view(last_key_)) {
      if (++problems_ <= kMaxReported) {
        Emit(out, record, kProblem,
             context_->input_file() + ": record " + std::to_string(record) + " (key " + Quote(key) +
                 ") sorts before record " + std::to_string(record - 1) + " (key " +
                 Quote(last_key_) + ")");
      }
    }
    last_key_.assign(key);
  }

  void Finish(minimr::Emitter& out) override {
    if (problems_ > kMaxReported) {
      Emit(out, next_record_, kProblem,
           context_->input_file() + ": and " + std::to_string(problems_ - kMaxReported) +
               " more records out of order in records " + std::to_string(first_record_) + " to " +
               std::to_string(next_record_ - 1));
    }
    if (records_ > 0) {
      value_.clear();
      minimr::Codec<Summary>::Encode(
          Summary{first_key_, last_key_, next_record_ - 1, context_->input_file()}, value_);
      Emit(out, first_record_, kSummary, value_);
    }
    context_->counters().Add(terasort::kRecordsCounter, records_);
    context_->counters().Add(terasort::kChecksumCounter, static_cast<int64_t>(checksum_));
  }

 private:
  void Emit(minimr::Emitter& out, uint64_t record, uint8_t kind, std::string_view value) {
    key_.clear();
    minimr::Codec<Position>::Encode(Position{file_index_, record, kind}, key_);
    out.Emit(key_, value);
  }

  minimr::TaskContext* context_ = nullptr;
  int64_t file_index_ = 0;
  uint64_t next_record_ = 0, first_record_ = 0;
  std::string first_key_, last_key_;
  int64_t records_ = 0, problems_ = 0;
  uint64_t checksum_ = 0;
  std::string key_, value_;
};

// Sees the splits in input order: checks each one's first key against the key before it, and
// writes every problem as an ("error", message) record.
class CheckReducer : public minimr::Reducer {
 public:
  void Reduce(std::string_view key, minimr::ValueIterator& values, minimr::Emitter& out) override {
    const auto [file, record, kind] = minimr::Codec<Position>::Decode(key);
    for (std::string_view value; values.Next(&value);) {
      if (kind == kProblem) {
        out.Emit("error", value);
        continue;
      }
      auto [first_key, last_key, last_record, path] = minimr::Codec<Summary>::Decode(value);
      if (have_previous_ && first_key < previous_key_) {
        out.Emit("error", path + ": record " + std::to_string(record) + " (key " +
                              Quote(first_key) + ") sorts before " + previous_path_ + ": record " +
                              std::to_string(previous_record_) + " (key " + Quote(previous_key_) +
                              "), the record before it");
      }
      have_previous_ = true;
      previous_key_ = std::move(last_key);
      previous_record_ = last_record;
      previous_path_ = std::move(path);
    }
  }

 private:
  bool have_previous_ = false;
  std::string previous_key_, previous_path_;
  uint64_t previous_record_ = 0;
};

// Everything to the one reduce task, which must see every split.
class OneReducerPartitioner : public minimr::Partitioner {
 public:
  int Partition(std::string_view, int partitions) override {
    if (partitions != 1) {
      throw std::runtime_error(
          "teravalidate checks order across all part files in one reduce "
          "task: set reduce.tasks: 1 (it has " +
          std::to_string(partitions) + ")");
    }
    return 0;
  }
};

void Report(const minimr::ReportContext& context) {
  const std::string generated = context.params.GetString("generated", "");
  std::vector<std::string> problems;
  for (auto& [key, value] : minimr::ReadOutput(context.output_dir)) {
    if (key == "error") problems.push_back(value);
  }
  const minimr::Counters expected = minimr::ReadJobCounters(generated);
  const int64_t records = context.counters.Get(terasort::kRecordsCounter);
  const int64_t want_records = expected.Get(terasort::kRecordsCounter);
  const auto checksum = static_cast<uint64_t>(context.counters.Get(terasort::kChecksumCounter));
  const auto want_checksum = static_cast<uint64_t>(expected.Get(terasort::kChecksumCounter));
  if (records != want_records) {
    problems.push_back("the part files hold " + std::to_string(records) +
                       " records, but teragen made " + std::to_string(want_records) + " (" +
                       generated + "/job.json)");
  }
  if (checksum != want_checksum) {
    problems.push_back("the records' checksum (sum of CRC-32s) is " + std::to_string(checksum) +
                       ", but teragen's is " + std::to_string(want_checksum) +
                       ": records were changed, lost or duplicated");
  }
  if (!problems.empty()) {
    std::string message = "teravalidate found " + std::to_string(problems.size()) +
                          (problems.size() == 1 ? " problem:" : " problems:");
    for (const std::string& problem : problems) message += "\n  " + problem;
    throw std::runtime_error(message);
  }
  *context.out << "teravalidate: OK: " << records << " records in order, checksum " << checksum
               << " equal to teragen's (" << generated << ")" << std::endl;
}

minimr::JobDefinition TeraValidate() {
  minimr::JobDefinition job = minimr::MakeJob<CheckMapper, CheckReducer>();
  job.Describe("checks that terasort's part files are in order and hold teragen's records")
      .Param("generated", "",
             "the teragen output directory that was sorted: its job.json holds the count and "
             "checksum the part files must have (required)");
  job.input_format = [] {
    return std::make_unique<minimr::FixedRecordInputFormat>(kRecordSize, kKeySize);
  };
  job.partitioner = [] { return std::make_unique<OneReducerPartitioner>(); };
  job.validate = [](const minimr::Params& params) {
    if (params.GetString("generated", "").empty()) {
      throw minimr::ParamError(
          "params.generated: required: the teragen output directory whose records were sorted");
    }
  };
  // Refused before anything runs: more than one reduce task, or no teragen output to compare.
  job.prepare = [](const minimr::InputFiles&, int reduce_tasks, const minimr::Params& params) {
    if (reduce_tasks != 1) {
      throw std::runtime_error(
          "teravalidate checks order across all part files in one reduce "
          "task: set reduce.tasks: 1 (it has " +
          std::to_string(reduce_tasks) + ")");
    }
    const std::string generated = params.GetString("generated", "");
    if (minimr::ReadJobCounters(generated).values().count(terasort::kRecordsCounter) == 0) {
      throw std::runtime_error("params.generated: " + generated +
                               " is not a teragen output: its job.json has no " +
                               std::string(terasort::kRecordsCounter) + " counter");
    }
    return std::map<std::string, std::string>{};
  };
  job.report = Report;
  job.report_is_verdict = true;
  return job;
}

}  // namespace

MINIMR_REGISTER_JOB(teravalidate, TeraValidate());
