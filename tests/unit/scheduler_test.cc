#include <gtest/gtest.h>

#include "framework/src/runtime/scheduler.h"

namespace minimr::runtime {
namespace {

JobSpec TwoMapsOneReduce() {
  JobSpec spec;
  spec.id = 1;
  spec.job_name = "test";
  spec.plan.files.paths = {"/in/a", "/in/b"};
  spec.plan.files.sizes = {100, 50};
  spec.plan.splits = {{0, 0, 100}, {1, 0, 50}};
  spec.plan.input_bytes = 150;
  spec.reduce_tasks = 1;
  spec.staging_dir = "/out/.staging";
  return spec;
}

wire::TaskReport Report(const wire::TaskSpec& task, bool ok, const std::string& error = "") {
  wire::TaskReport report;
  report.job_id = task.job_id;
  report.is_map = task.is_map;
  report.index = task.index;
  report.attempt = task.attempt;
  report.ok = ok;
  report.error = error;
  report.counters = {{"records", 10}};
  return report;
}

class SchedulerTest : public ::testing::Test {
 protected:
  SchedulerTest() : scheduler(TwoMapsOneReduce()) {
    scheduler.AddWorker(1, "10.0.0.1", 7001);
    scheduler.AddWorker(2, "10.0.0.2", 7002);
  }
  JobScheduler scheduler;
};

TEST_F(SchedulerTest, HandsOutMapsBeforeReduces) {
  wire::TaskSpec a, b, c;
  ASSERT_TRUE(scheduler.Assign(1, &a));
  ASSERT_TRUE(scheduler.Assign(2, &b));
  EXPECT_TRUE(a.is_map && b.is_map);
  EXPECT_EQ(a.index, 0);
  EXPECT_EQ(b.index, 1);
  EXPECT_EQ(b.file_index, 1);
  EXPECT_FALSE(scheduler.Assign(1, &c)) << "the reduce must wait for every map";
}

TEST_F(SchedulerTest, ReduceGetsEveryMapOutputLocation) {
  wire::TaskSpec a, b, r;
  scheduler.Assign(1, &a);
  scheduler.Assign(2, &b);
  scheduler.Complete(1, Report(a, true));
  EXPECT_FALSE(scheduler.Assign(1, &r));
  scheduler.Complete(2, Report(b, true));
  ASSERT_TRUE(scheduler.Assign(1, &r));
  EXPECT_FALSE(r.is_map);
  ASSERT_EQ(r.map_outputs.size(), 2u);
  EXPECT_EQ(r.map_outputs[0].host, "10.0.0.1");
  EXPECT_EQ(r.map_outputs[1].port, 7002);
  EXPECT_EQ(r.output_dir, "/out/.staging");
  scheduler.Complete(1, Report(r, true));
  EXPECT_TRUE(scheduler.done());
  EXPECT_EQ(scheduler.counters().Get("records"), 30);
}

TEST_F(SchedulerTest, RetriesAFailedTaskWithANewAttempt) {
  wire::TaskSpec a, again;
  scheduler.Assign(1, &a);
  scheduler.Complete(1, Report(a, false, "disk full"));
  ASSERT_TRUE(scheduler.Assign(2, &again));
  EXPECT_EQ(again.index, a.index);
  EXPECT_EQ(again.attempt, a.attempt + 1);
  EXPECT_FALSE(scheduler.failed());
}

TEST(Scheduler, FailsTheJobAfterMaxAttempts) {
  JobScheduler scheduler(TwoMapsOneReduce(), /*max_attempts=*/2);
  scheduler.AddWorker(1, "h", 1);
  wire::TaskSpec t;
  ASSERT_TRUE(scheduler.Assign(1, &t));
  scheduler.Complete(1, Report(t, false, "boom"));
  ASSERT_TRUE(scheduler.Assign(1, &t));
  ASSERT_EQ(t.index, 0);  // a failed task waits in its place, ahead of later ones
  ASSERT_EQ(t.attempt, 1);
  scheduler.Complete(1, Report(t, false, "boom again"));
  EXPECT_TRUE(scheduler.failed());
  EXPECT_EQ(scheduler.error(),
            "map task 0 (a, bytes 0-100) failed 2 times; the last error: boom again");
  EXPECT_FALSE(scheduler.Assign(1, &t));
}

TEST_F(SchedulerTest, IgnoresReportsOfStaleAttempts) {
  wire::TaskSpec a, again;
  scheduler.Assign(1, &a);
  scheduler.WorkerLost(1);
  ASSERT_TRUE(scheduler.Assign(2, &again));
  scheduler.Complete(1, Report(a, true));  // the lost worker's late report
  EXPECT_EQ(scheduler.progress().maps_done, 0);
  scheduler.Complete(2, Report(again, true));
  EXPECT_EQ(scheduler.progress().maps_done, 1);
}

TEST_F(SchedulerTest, RerunsFinishedMapsWhoseOutputWasLost) {
  wire::TaskSpec a, b, r;
  scheduler.Assign(1, &a);
  scheduler.Assign(2, &b);
  scheduler.Complete(1, Report(a, true));
  scheduler.Complete(2, Report(b, true));
  scheduler.WorkerLost(1);  // held map 0's output, the reduce has not run
  EXPECT_FALSE(scheduler.maps_done());
  ASSERT_TRUE(scheduler.Assign(2, &r));
  EXPECT_TRUE(r.is_map);
  EXPECT_EQ(r.index, 0);
  EXPECT_EQ(r.attempt, 1);
  scheduler.Complete(2, Report(r, true));
  ASSERT_TRUE(scheduler.Assign(2, &r));
  EXPECT_FALSE(r.is_map);
  EXPECT_EQ(r.map_outputs[0].host, "10.0.0.2");
  EXPECT_EQ(r.map_outputs[0].attempt, 1);
}

TEST_F(SchedulerTest, CountsProgressInInputBytes) {
  wire::TaskSpec a;
  scheduler.Assign(1, &a);
  scheduler.Complete(1, Report(a, true));
  JobProgress p = scheduler.progress();
  EXPECT_EQ(p.maps_done, 1);
  EXPECT_EQ(p.maps_total, 2);
  EXPECT_EQ(p.bytes_done, 100u);
  EXPECT_EQ(p.bytes_total, 150u);
}

}  // namespace
}  // namespace minimr::runtime
