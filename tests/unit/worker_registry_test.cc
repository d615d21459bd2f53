// The failure detector with made-up time.
#include "framework/src/runtime/worker_registry.h"

#include <gtest/gtest.h>

namespace minimr::runtime {
namespace {

using std::chrono::milliseconds;

WorkerEntry Named(const std::string& name) {
  WorkerEntry entry;
  entry.name = name;
  return entry;
}

TEST(WorkerRegistry, AWorkerIsSilentOnlyAfterTheTimeout) {
  ManualClock clock;
  WorkerRegistry registry(milliseconds(1000), clock.Now());
  int a = registry.Add(Named("a"), clock.Now());
  int b = registry.Add(Named("b"), clock.Now());
  clock.Advance(milliseconds(600));
  registry.Heard(b, clock.Now());
  clock.Advance(milliseconds(400));
  EXPECT_TRUE(registry.Silent(clock.Now()).empty()) << "exactly the timeout is not past it";
  clock.Advance(milliseconds(1));
  EXPECT_EQ(registry.Silent(clock.Now()), std::vector<int>{a});
  clock.Advance(milliseconds(600));
  EXPECT_EQ(registry.Silent(clock.Now()), (std::vector<int>{a, b})) << "longest silent first";
}

TEST(WorkerRegistry, IdsAreNeverReused) {
  ManualClock clock;
  WorkerRegistry registry(milliseconds(1000), clock.Now());
  int a = registry.Add(Named("a"), clock.Now());
  registry.Remove(a, clock.Now());
  EXPECT_NE(registry.Add(Named("b"), clock.Now()), a);
  EXPECT_EQ(registry.Find(a), nullptr);
}

TEST(WorkerRegistry, TellsSinceWhenItHasBeenEmpty) {
  ManualClock clock;
  TimePoint start = clock.Now();
  WorkerRegistry registry(milliseconds(1000), start);
  EXPECT_EQ(registry.EmptySince(), start);
  int a = registry.Add(Named("a"), clock.Now());
  EXPECT_FALSE(registry.EmptySince());
  clock.Advance(milliseconds(50));
  registry.Remove(a, clock.Now());
  EXPECT_EQ(registry.EmptySince(), start + milliseconds(50));
}

}  // namespace
}  // namespace minimr::runtime
