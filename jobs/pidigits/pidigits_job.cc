// pidigits: how often each n-digit sequence (n = 1..8) occurs in digit text, such as the decimals
// of pi. The input files, in order, are one digit stream; a split counts the sequences that
// start in it. Whitespace is skipped; any other non-digit byte is skipped and counted.
#include <array>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <memory>
#include <ostream>

#include "minimr/job.h"
#include "minimr/number_parse.h"
#include "minimr/sum_reducer.h"
#include "pidigits/digit_input_format.h"
#include "pidigits/kanada_files.h"
#include "pidigits/ngram_counter.h"
#include "pidigits/pi_files.h"
#include "pidigits/pi_generate_command.h"
#include "pidigits/pi_generator.h"
#include "pidigits/pi_report.h"

namespace minimr::pidigits {
namespace {

// Counts in memory over the whole split (the counter is the combiner) and emits at the end.
class PiDigitsMapper : public Mapper {
 public:
  void Setup(TaskContext& context) override {
    context_ = &context;
    counter_ = std::make_unique<NGramCounter>(static_cast<int>(context.params().GetInt("n", 2)));
  }

  void Map(std::string_view, std::string_view text, Emitter&) override {
    if (context_->past_split_end()) {
      counter_->AddLookahead(text.data(), text.size());
    } else {
      counter_->Add(text.data(), text.size());
    }
  }

  void Finish(Emitter& out) override {
    const int n = counter_->n();
    char key[8];
    counter_->ForEach([&](uint32_t index, uint64_t count) {
      for (int i = n - 1; i >= 0; --i, index /= 10) key[i] = static_cast<char>('0' + index % 10);
      char value[24];
      auto [end, ec] = std::to_chars(value, value + sizeof value, count);
      out.Emit(std::string_view(key, n), std::string_view(value, end - value));
    });
    Counters& counters = context_->counters();
    counters.Add("pidigits.digits", int64_t(counter_->owned_digits()));
    counters.Add("pidigits.sequences", int64_t(counter_->windows()));
    counters.Add("pidigits.invalid_bytes", int64_t(counter_->owned_invalid_bytes()));
    std::array<uint64_t, 10> digits = counter_->DigitCounts();
    for (int d = 0; d < 10; ++d) {
      counters.Add("pidigits.digit." + std::to_string(d), int64_t(digits[d]));
    }
  }

 private:
  TaskContext* context_ = nullptr;
  std::unique_ptr<NGramCounter> counter_;
};

void Validate(const Params& params) {
  int64_t n = params.GetInt("n", 2);
  if (n < 1 || n > 8) {
    throw ParamError("params.n: the sequence length must be 1 to 8, got " + std::to_string(n));
  }
  params.GetBool("continuous", true);
}

void Report(const ReportContext& context) {
  PiReportInput input;
  input.output_dir = context.output_dir;
  input.n = static_cast<int>(context.params.GetInt("n", 2));
  if (context.counters.values().count("pidigits.digit.0")) {
    std::array<uint64_t, 10> digits;
    for (int d = 0; d < 10; ++d) {
      digits[d] =
          static_cast<uint64_t>(context.counters.Get("pidigits.digit." + std::to_string(d)));
    }
    input.digit_counts = digits;
  }
  int64_t invalid = context.counters.Get("pidigits.invalid_bytes");
  if (invalid > 0) {
    *context.out << "Note: " << invalid
                 << " bytes of the input were neither digits nor whitespace; they were skipped.\n";
  }
  WritePiReport(input, *context.out);
}

// input.generate: {digits: N, files: K}, checked: N digits fit in the memory this process may use.
struct GenerateSpec {
  uint64_t digits = 0;
  int files = 1;
};

GenerateSpec ReadGenerateSpec(const Params& spec) {
  for (const auto& [name, value] : spec.values()) {
    if (name != "digits" && name != "files") {
      throw ParamError("input.generate." + name +
                       ": the pi job's generator takes digits and files");
    }
  }
  auto number = [&](const std::string& name, int64_t low, int64_t high, const std::string& why) {
    const std::string text = spec.GetString(name, "");
    const std::optional<int64_t> value = ParseInteger(text, low, high);
    if (!value) {
      const std::optional<uint64_t> count = ParseUnsigned(text);
      const bool too_big = !count || *count > static_cast<uint64_t>(high);
      throw ParamError("input.generate." + name + ": expected " + DescribeIntegerRange(low, high) +
                       ", got '" + text + "'" + (too_big && !why.empty() ? " (" + why + ")" : ""));
    }
    return *value;
  };
  if (!spec.Has("digits")) throw ParamError("input.generate.digits: how many digits to make");
  GenerateSpec out;
  out.digits = static_cast<uint64_t>(
      number("digits", 1, static_cast<int64_t>(MaxPiDigits()), MaxPiDigitsReason()));
  if (spec.Has("files")) {
    out.files = static_cast<int>(number("files", 1,
                                        std::min<int64_t>(9999, static_cast<int64_t>(out.digits)),
                                        "every file needs a digit, and at most 9999 files"));
  }
  return out;
}

std::vector<std::string> GeneratedFiles(const Params& spec) {
  const GenerateSpec s = ReadGenerateSpec(spec);
  std::vector<std::string> names;
  for (int i = 1; i <= s.files; ++i) names.push_back(KanadaFileName(s.digits, i, s.files));
  return names;
}

void Generate(const Params& spec, const std::string& directory, std::ostream& out) {
  const GenerateSpec s = ReadGenerateSpec(spec);
  // Made in a hidden directory and moved in at the end: an interrupted generation must not leave
  // some of the files where the job's glob would take them for the whole input.
  namespace fs = std::filesystem;
  fs::path staging = fs::path(directory) / (".generating-" + std::to_string(::getpid()));
  std::vector<std::string> paths = GeneratePiFiles(s.digits, s.files, staging.string(), out);
  for (const std::string& path : paths) {
    fs::rename(path, fs::path(directory) / fs::path(path).filename());
  }
  fs::remove_all(staging);
}

JobDefinition Definition() {
  JobDefinition job = MakeJob<PiDigitsMapper, SumReducer>();
  job.Combiner<SumReducer>()
      .Input<DigitInputFormat>()
      .Describe("frequencies of n-digit sequences in digit text (the digits of pi study)")
      .Param("n", "2", "sequence length, 1 to 8")
      .Param("continuous", "true",
             "the files in order are one digit stream (false: each file on its own)");
  job.validate = Validate;
  job.report = Report;
  // digits.png, and for pairs the heat-map pairs.png (pi_report.cc).
  job.report_plots = [](const Params& params) { return params.GetInt("n", 2) == 2 ? 2 : 1; };
  job.generate_input = Generate;
  job.generated_files = GeneratedFiles;
  job.Command("pi generate", "--digits N --files K --out DIR\n"
              "                                     compute digits of pi into Kanada-layout files",
              PiGenerateCommand);
  return job;
}

}  // namespace
}  // namespace minimr::pidigits

MINIMR_REGISTER_JOB(pidigits, minimr::pidigits::Definition());
