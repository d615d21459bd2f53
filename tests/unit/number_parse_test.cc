// Whole numbers from job files, -D, parameters and options: strict, range-checked, never wrapped.
#include "minimr/number_parse.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "minimr/command_line.h"

namespace minimr {
namespace {

namespace po = boost::program_options;
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

TEST(ParseInteger, ReadsDecimalWholeNumbersInRange) {
  EXPECT_EQ(ParseInteger("0", 0, 10), 0);
  EXPECT_EQ(ParseInteger("10", 0, 10), 10);
  EXPECT_EQ(ParseInteger("-5", -5, 5), -5);
  EXPECT_EQ(ParseInteger("007", 0, 10), 7);
  EXPECT_EQ(ParseInteger("9223372036854775807", kMin, kMax), kMax);
  EXPECT_EQ(ParseInteger("-9223372036854775808", kMin, kMax), kMin);
}

TEST(ParseInteger, RefusesAnythingElseAndNeverWraps) {
  for (const char* text :
       {"", "-", "+1", " 1", "1 ", "1.0", "1e3", "0x10", "ten", "1_000", "9223372036854775808",
        "-9223372036854775809", "99999999999999999999999"}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(ParseInteger(text, kMin, kMax).has_value());
  }
  EXPECT_FALSE(ParseInteger("-1", 0, kMax).has_value())
      << "a negative count is refused, not wrapped";
  EXPECT_FALSE(ParseInteger("0", 1, 10).has_value());
  EXPECT_FALSE(ParseInteger("11", 1, 10).has_value());
}

TEST(ParseUnsigned, ReadsDigitsOnlyUpToItsBound) {
  EXPECT_EQ(ParseUnsigned("18446744073709551615"), std::numeric_limits<uint64_t>::max());
  EXPECT_FALSE(ParseUnsigned("18446744073709551616").has_value());
  EXPECT_FALSE(ParseUnsigned("-1").has_value());
  EXPECT_FALSE(ParseUnsigned("+1").has_value());
  EXPECT_FALSE(ParseUnsigned("101", 100).has_value());
  EXPECT_EQ(ParseUnsigned("100", 100), 100u);
}

TEST(DescribeIntegerRange, GroupsThousands) {
  EXPECT_EQ(DescribeIntegerRange(1, 10000), "a whole number from 1 to 10,000");
  EXPECT_EQ(DescribeIntegerRange(-1000, 0), "a whole number from -1,000 to 0");
  EXPECT_EQ(DescribeIntegerRange(0, kMax), "a whole number of at least 0");
}

// Parses `args` against one option --n declared with IntegerOption(1, 100, why); returns the
// error message, or "" and the value in *value.
std::string ParseN(std::vector<std::string> args, int64_t* value, const std::string& why = "") {
  po::options_description options;
  options.add_options()("n", IntegerOption(1, 100, why), "n");
  std::vector<char*> argv = {const_cast<char*>("test")};
  for (std::string& a : args) argv.push_back(a.data());
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(static_cast<int>(argv.size()), argv.data(), options), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    return e.what();
  }
  *value = vm["n"].as<int64_t>();
  return "";
}

TEST(IntegerOption, TakesAValueInRange) {
  int64_t n = 0;
  EXPECT_EQ(ParseN({"--n", "42"}, &n), "");
  EXPECT_EQ(n, 42);
  EXPECT_EQ(ParseN({"--n=100"}, &n), "");
  EXPECT_EQ(n, 100);
}

TEST(IntegerOption, RefusesNegativeZeroHugeAndMalformedValuesNamingTheOption) {
  int64_t n = 0;
  EXPECT_EQ(ParseN({"--n", "-5"}, &n), "--n: expected a whole number from 1 to 100, got '-5'");
  EXPECT_EQ(ParseN({"--n", "0"}, &n), "--n: expected a whole number from 1 to 100, got '0'");
  EXPECT_EQ(ParseN({"--n", "1e2"}, &n), "--n: expected a whole number from 1 to 100, got '1e2'");
  EXPECT_EQ(ParseN({"--n", "18446744073709551611"}, &n, "the reason"),
            "--n: expected a whole number from 1 to 100, got '18446744073709551611' (the reason)");
  EXPECT_EQ(ParseN({"--n", "101"}, &n, "the reason"),
            "--n: expected a whole number from 1 to 100, got '101' (the reason)");
}

}  // namespace
}  // namespace minimr
