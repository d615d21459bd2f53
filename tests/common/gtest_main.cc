// The tests' main: GoogleTest's, with one listener more. When a suite's SetUpTestSuite fails,
// GoogleTest skips every test of the suite and prints "[  SKIPPED ]", which CTest counts as
// skipped, not failed (its skip pattern wins over the exit status): a broken set-up would pass.
// The listener stops the program with a failure before the first such test is reported.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

namespace {

class FailedSuiteSetUpFails : public testing::EmptyTestEventListener {
  void OnTestStart(const testing::TestInfo& test) override {
    const testing::TestSuite* suite = testing::UnitTest::GetInstance()->current_test_suite();
    if (suite == nullptr || !suite->ad_hoc_test_result().Failed()) return;
    std::fprintf(stdout, "[  FAILED  ] %s: its SetUpTestSuite failed (above), so %s cannot run\n",
                 suite->name(), test.name());
    std::fflush(stdout);
    std::_Exit(1);
  }
};

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  testing::UnitTest::GetInstance()->listeners().Append(new FailedSuiteSetUpFails);
  return RUN_ALL_TESTS();
}
