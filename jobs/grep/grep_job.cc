// grep: the lines of text files that match a regular expression, as `grep -En` would find them.
//
//   file:line -> the line
//
// `file` is the input path as the job lists it (absolute), `line` the line's 1-based number in
// it, and the value the line without its line end. params.pattern is a POSIX extended regular
// expression (regcomp(3) with REG_EXTENDED, as grep -E takes it), matched anywhere in the line,
// byte by byte (the C locale), except that `.` does not match a NUL byte as GNU grep's does
// (POSIX regcomp's rule; `[^x]` does match it); params.ignore_case matches letters of either
// case. glibc's
// regexec simulates an automaton rather than backtracking unless the pattern has a back-reference
// (\1, a glibc extension to ERE): a search may take time quadratic in a line's length, as
// (a|aa)*b does, but never exponential, where std::regex backtracks and recurses per character.
#include <regex.h>

#include <string>

#include "minimr/job.h"

namespace {

// A compiled pattern.
class Regex {
 public:
  // Throws minimr::ParamError naming params.pattern if `pattern` is empty or not a regular
  // expression.
  Regex(const std::string& pattern, bool ignore_case) {
    if (pattern.empty()) {
      throw minimr::ParamError(
          "params.pattern: required: the regular expression to look for (POSIX extended, as "
          "grep -E takes it); '^' matches every line");
    }
    const int rc =
        regcomp(&regex_, pattern.c_str(), REG_EXTENDED | REG_NOSUB | (ignore_case ? REG_ICASE : 0));
    if (rc != 0) {
      char message[256];
      regerror(rc, &regex_, message, sizeof message);
      throw minimr::ParamError("params.pattern: '" + pattern +
                               "' is not a POSIX extended regular expression: " + message);
    }
  }
  ~Regex() { regfree(&regex_); }
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Whether the pattern matches somewhere in `text`, which may hold NUL bytes.
  bool Search(std::string_view text) const {
    regmatch_t range;
    range.rm_so = 0;
    range.rm_eo = static_cast<regoff_t>(text.size());
    // REG_STARTEND (glibc, BSD): the text is [rm_so, rm_eo), not up to a NUL.
    return regexec(&regex_, text.data(), 1, &range, REG_STARTEND) == 0;
  }

 private:
  regex_t regex_;
};

std::unique_ptr<Regex> Compile(const minimr::Params& params) {
  return std::make_unique<Regex>(params.GetString("pattern", ""),
                                 params.GetBool("ignore_case", false));
}

class GrepMapper : public minimr::Mapper {
 public:
  void Setup(minimr::TaskContext& context) override {
    context_ = &context;
    regex_ = Compile(context.params());
  }

  void Map(std::string_view line_number, std::string_view line, minimr::Emitter& out) override {
    if (!regex_->Search(line)) return;
    key_.assign(context_->input_file()).append(":").append(line_number);
    out.Emit(key_, line);
  }

 private:
  minimr::TaskContext* context_ = nullptr;
  std::unique_ptr<Regex> regex_;
  std::string key_;
};

// Every value as it came: a file:line key has one.
class IdentityReducer : public minimr::Reducer {
 public:
  void Reduce(std::string_view key, minimr::ValueIterator& values, minimr::Emitter& out) override {
    std::string_view value;
    while (values.Next(&value)) out.Emit(key, value);
  }
};

minimr::JobDefinition GrepJob() {
  minimr::JobDefinition job = minimr::MakeJob<GrepMapper, IdentityReducer>();
  job.Input<minimr::NumberedLineInputFormat>()
      .Describe("the lines that match a regular expression, keyed file:line")
      .Param("pattern", "", "a POSIX extended regular expression, as grep -E takes it (required)")
      .Param("ignore_case", "false", "match letters of either case");
  job.validate = [](const minimr::Params& params) { Compile(params); };
  return job;
}

}  // namespace

MINIMR_REGISTER_JOB(grep, GrepJob());
