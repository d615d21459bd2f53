#include "minimr/command_line.h"

#include <iostream>

#include "minimr/number_parse.h"

namespace minimr {

namespace po = boost::program_options;

namespace {

// program_options reads numbers with lexical_cast, which takes "-1" for an unsigned type as
// its wrapped-around value; this reads them with ParseInteger instead.
class IntegerValue : public po::typed_value<int64_t> {
 public:
  IntegerValue(int64_t low, int64_t high, std::string why_high)
      : po::typed_value<int64_t>(nullptr), low_(low), high_(high), why_high_(std::move(why_high)) {}

  void xparse(boost::any& value_store, const std::vector<std::string>& tokens) const override {
    const std::string text = tokens.empty() ? "" : tokens.front();
    std::optional<int64_t> value =
        tokens.size() == 1 ? ParseInteger(text, low_, high_) : std::nullopt;
    if (!value) {
      // Over the upper bound: the reason for it, if there is one.
      const bool digits =
          !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
      const std::optional<uint64_t> count = ParseUnsigned(text);
      const bool too_big = digits && (!count || *count > static_cast<uint64_t>(high_));
      std::string message =
          "expected " + DescribeIntegerRange(low_, high_) + ", got '" + text + "'";
      if (too_big && !why_high_.empty()) message += " (" + why_high_ + ")";
      // store() names the option in it: "--digits: expected ...".
      po::validation_error error(po::validation_error::invalid_option_value);
      error.m_error_template = "%canonical_option%: " + message;
      throw error;
    }
    value_store = *value;
  }

 private:
  int64_t low_, high_;
  std::string why_high_;
};

}  // namespace

po::typed_value<int64_t>* IntegerOption(int64_t low, int64_t high, std::string why_high) {
  return new IntegerValue(low, high, std::move(why_high));
}

std::optional<int> ParseCommandLine(int argc, char** argv, const po::options_description& options,
                                    const char* command, po::variables_map* vm) {
  try {
    po::store(po::parse_command_line(argc, argv, options), *vm);
    // --help before notify(), which would complain about required options first.
    if (vm->count("help")) {
      std::cout << options;
      return 0;
    }
    po::notify(*vm);
  } catch (const std::exception& e) {
    std::cerr << command << ": " << e.what() << "\n" << options;
    return 2;
  }
  return std::nullopt;
}

}  // namespace minimr
