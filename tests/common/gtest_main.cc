// The tests' main: GoogleTest's, with one listener more. When a suite's SetUpTestSuite fails,
// GoogleTest skips every test of the suite and prints "[  SKIPPED ]", which CTest counts as
// skipped, not failed (its skip pattern wins over the exit status): a broken set-up would pass.
// The listener stops the program with a failure before the first such test is reported.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

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
  // What the minimr processes of the tests keep in TMPDIR (a failed run's logs, by design) goes
  // into a directory of this process's own, removed at its end, rather than into /tmp for good.
  const char* tmp = std::getenv("TMPDIR");
  std::string own = std::string(tmp && *tmp ? tmp : "/tmp") + "/minimr-tests-XXXXXX";
  if (::mkdtemp(own.data()) == nullptr) {
    std::perror(("mkdtemp " + own).c_str());
    return 1;
  }
  ::setenv("TMPDIR", own.c_str(), 1);
  const int status = RUN_ALL_TESTS();
  std::error_code ignored;
  std::filesystem::remove_all(own, ignored);
  return status;
}
