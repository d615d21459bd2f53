// pidigits: how often each n-digit sequence (n = 1..8) occurs in digit text, such as the decimals
// of pi. The input files, in order, are one digit stream; a split counts the sequences that
// start in it. Whitespace is skipped; any other non-digit byte is skipped and counted.
#include <array>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <memory>
#include <ostream>

#include "minimr/count_blocks.h"
#include "minimr/job.h"
#include "minimr/number_parse.h"
#include "pidigits/digit_input_format.h"
#include "pidigits/kanada_files.h"
#include "pidigits/ngram_counter.h"
#include "pidigits/pi_files.h"
#include "pidigits/pi_generate_command.h"
#include "pidigits/pi_generator.h"
#include "pidigits/pi_report.h"

namespace minimr::pidigits {
namespace {

// Windows listed (4 bytes each, and as much again to sort them) before they are counted and
// emitted, for n >= 6: 128 MiB at most, whatever the split's size.
constexpr size_t kBatchWindows = size_t{16} << 20;

// Keys per count block: about 64 blocks for the 10^n keys, so that they spread over the reduce
// tasks, but at least 16 keys (for n = 2, 7 records a map task rather than 100, which a reduce
// of 10,080 map outputs merges), and at most CountBlocks' default, 65,536 (a reducer's table of
// 512 KB).
uint64_t BlockKeys(int n) {
  uint64_t keys = 1;
  for (int i = 0; i < n; ++i) keys *= 10;
  return std::clamp<uint64_t>(keys / 64, 16, CountBlocks::kDefaultBlockKeys);
}

// Counts the split's n-digit windows and emits them as count blocks (minimr/count_blocks.h):
// up to n = 5 from a table of 10^n counters at the end, from n = 6 on by sorting the windows,
// a batch at a time.
class PiDigitsMapper : public Mapper {
 public:
  void Setup(TaskContext& context) override {
    context_ = &context;
    const int n = static_cast<int>(context.params().GetInt("n", 2));
    NGramCounterOptions options;
    options.drained = n >= kFirstDrained;
    counter_ = std::make_unique<NGramCounter>(n, options);
    if (options.drained) {  // a window per byte at most: one allocation, no copies as it grows
      counter_->Reserve(std::min<uint64_t>(kBatchWindows, context.input_split().length + n));
    }
    blocks_ = std::make_unique<CountBlocks>(BlockKeys(n));
  }

  void Map(std::string_view, std::string_view text, Emitter& out) override {
    if (context_->past_split_end()) {
      counter_->AddLookahead(text.data(), text.size());
    } else {
      counter_->Add(text.data(), text.size());
      if (counter_->n() >= kFirstDrained && counter_->listed() >= kBatchWindows) {
        counter_->TakeSorted(
            [&](std::span<const uint32_t> sorted) { blocks_->EmitSorted(sorted, out); });
      }
    }
  }

  void Finish(Emitter& out) override {
    if (counter_->n() >= kFirstDrained) {
      counter_->TakeSorted(
          [&](std::span<const uint32_t> sorted) { blocks_->EmitSorted(sorted, out); });
    } else {
      std::vector<KeyCount> counts;
      counter_->ForEach([&](uint32_t index, uint64_t count) { counts.push_back({index, count}); });
      blocks_->Emit(counts, out);
    }
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
  static constexpr int kFirstDrained = 6;

  TaskContext* context_ = nullptr;
  std::unique_ptr<NGramCounter> counter_;
  std::unique_ptr<CountBlocks> blocks_;
};

// Writes each sequence's total as "<n digits>\t<count>".
class PiDigitsReducer : public CountBlockReducer {
 public:
  void Setup(TaskContext& context) override {
    n_ = static_cast<int>(context.params().GetInt("n", 2));
  }

 protected:
  void EmitCount(uint64_t key, uint64_t count, Emitter& out) override {
    static constexpr auto kPairs = [] {  // "00" to "99"
      std::array<char, 200> pairs{};
      for (int i = 0; i < 100; ++i) {
        pairs[2 * i] = static_cast<char>('0' + i / 10);
        pairs[2 * i + 1] = static_cast<char>('0' + i % 10);
      }
      return pairs;
    }();
    char digits[8];
    int i = n_;
    for (; i >= 2; i -= 2, key /= 100) std::memcpy(digits + i - 2, &kPairs[2 * (key % 100)], 2);
    if (i == 1) digits[0] = static_cast<char>('0' + key % 10);
    char value[24];
    const char* end = std::to_chars(value, value + sizeof value, count).ptr;
    out.Emit(std::string_view(digits, static_cast<size_t>(n_)),
             std::string_view(value, static_cast<size_t>(end - value)));
  }

 private:
  int n_ = 2;
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
  input.plots = context.plots;
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
  GeneratePiFiles(s.digits, s.files, directory, out);
}

JobDefinition Definition() {
  // No combiner: a map task counts its whole split before it emits (in batches only beyond
  // 16M windows), so there is nothing left to combine.
  JobDefinition job = MakeJob<PiDigitsMapper, PiDigitsReducer>();
  job.Input<DigitInputFormat>()
      .Describe("frequencies of n-digit sequences in digit text (the digits of pi study)")
      .Param("n", "2", "sequence length, 1 to 8")
      .Param("continuous", "true",
             "the files in order are one digit stream (false: each file on its own)");
  job.validate = Validate;
  job.report = Report;
  // digits.png or .svg, and for pairs the heat-map pairs.png or .svg (pi_report.cc).
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
