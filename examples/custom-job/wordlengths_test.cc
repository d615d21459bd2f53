// The job's test: its mapper, combiner and reducer run in-process by minimr's test harness, over
// records given here, with one and with three reduce tasks.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>

#include "minimr/testing.h"

namespace {

int failures = 0;

void Expect(bool ok, const char* what) {
  if (!ok) {
    std::cerr << "FAILED: " << what << "\n";
    ++failures;
  }
}

}  // namespace

int main() {
  using minimr::testing::JobHarness;
  using minimr::testing::Records;
  Records lines = {{"0", "a bb ccc bb"}, {"12", "Hello, world!"}, {"26", ""}};

  // Integer keys come out in numeric order, as text.
  Records expected = {{"1", "1"}, {"2", "2"}, {"3", "1"}, {"5", "2"}};
  Expect(JobHarness::ForJob("wordlengths").MapTask(lines).Run().All() == expected,
         "counts per length, one reduce task");

  // Three reduce tasks and a combiner give the same pairs, spread over the partitions.
  Records spread = JobHarness::ForJob("wordlengths").MapTask(lines).ReduceTasks(3).Run().All();
  std::sort(spread.begin(), spread.end(), [](const auto& a, const auto& b) {
    return std::stoi(a.first) < std::stoi(b.first);
  });
  Expect(spread == expected, "three reduce tasks give the same counts");

  Records long_only = {{"2", "2"}, {"3", "1"}, {"5", "2"}};
  Expect(JobHarness::ForJob("wordlengths").Param("min_length", "2").MapTask(lines).Run().All() ==
             long_only,
         "min_length drops short words");

  bool refused = false;
  try {
    JobHarness::ForJob("wordlengths").Param("min_length", "0").MapTask(lines).Run();
  } catch (const minimr::ParamError&) {
    refused = true;
  }
  Expect(refused, "min_length 0 is refused");

  if (failures == 0) std::cout << "wordlengths_test: all passed\n";
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
