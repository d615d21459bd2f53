// The scheduler with made-up time: retries, lost workers, speculation, exclusion.
#include "framework/src/runtime/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace minimr::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

JobSpec Spec(int maps, int reduces, SchedulerOptions options = {}) {
  JobSpec spec;
  spec.id = 1;
  spec.job_name = "test";
  for (int i = 0; i < maps; ++i) {
    spec.plan.files.paths.push_back("/in/f" + std::to_string(i));
    spec.plan.files.sizes.push_back(100);
    spec.plan.splits.push_back({static_cast<int>(i), 0, 100});
  }
  spec.plan.input_bytes = 100u * maps;
  spec.reduce_tasks = reduces;
  spec.staging_dir = "/out/.staging";
  spec.options = options;
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
  void Make(int maps, int reduces, SchedulerOptions options = {}, int workers = 2) {
    scheduler = std::make_unique<JobScheduler>(Spec(maps, reduces, options));
    for (int w = 1; w <= workers; ++w) {
      scheduler->AddWorker(w, "worker " + std::to_string(w), "10.0.0." + std::to_string(w),
                           static_cast<uint16_t>(7000 + w));
    }
  }
  bool Assign(int worker, wire::TaskSpec* task) {
    return scheduler->Assign(worker, clock.Now(), task);
  }
  Completion Complete(int worker, const wire::TaskReport& report) {
    return scheduler->Complete(worker, report, clock.Now());
  }
  // The locations a reduce task reads from the master.
  std::vector<wire::MapOutputLocation> Locations(int from = 0, size_t max = 1000) {
    std::vector<wire::MapOutputLocation> locations;
    scheduler->MapOutputsFrom(from, max, &locations);
    return locations;
  }
  void Lost(int worker) { scheduler->WorkerLost(worker, "connection closed", clock.Now()); }

  ManualClock clock;
  std::unique_ptr<JobScheduler> scheduler;
};

TEST_F(SchedulerTest, HandsOutMapsBeforeReduces) {
  Make(2, 1);
  wire::TaskSpec a, b, c;
  ASSERT_TRUE(Assign(1, &a));
  ASSERT_TRUE(Assign(2, &b));
  EXPECT_TRUE(a.is_map && b.is_map);
  EXPECT_EQ(a.index, 0);
  EXPECT_EQ(b.index, 1);
  EXPECT_EQ(b.file_index, 1);
  EXPECT_FALSE(Assign(1, &c)) << "the reduce must wait for every map";
}

TEST_F(SchedulerTest, ReduceGetsEveryMapOutputLocation) {
  Make(2, 1);
  wire::TaskSpec a, b, r;
  Assign(1, &a);
  Assign(2, &b);
  Complete(1, Report(a, true));
  EXPECT_FALSE(Assign(1, &r));
  Complete(2, Report(b, true));
  ASSERT_TRUE(Assign(1, &r));
  EXPECT_FALSE(r.is_map);
  EXPECT_EQ(r.map_tasks, 2);
  ASSERT_EQ(Locations().size(), 2u);
  EXPECT_EQ(Locations()[0].host, "10.0.0.1");
  EXPECT_EQ(Locations()[1].port, 7002);
  EXPECT_EQ(Locations()[1].map_task, 1);
  EXPECT_EQ(r.output_dir, "/out/.staging");
  EXPECT_TRUE(Complete(1, Report(r, true)).accepted);
  EXPECT_TRUE(scheduler->done());
  EXPECT_EQ(scheduler->counters().Get("records"), 30);
}

TEST_F(SchedulerTest, GivesMapOutputLocationsInPiecesUpToTheFirstMissing) {
  Make(5, 1, {}, 1);
  for (int m = 0; m < 5; ++m) {
    wire::TaskSpec task;
    ASSERT_TRUE(Assign(1, &task));
    if (m != 3) Complete(1, Report(task, true));
  }
  std::vector<wire::MapOutputLocation> piece = Locations(1, 1);
  ASSERT_EQ(piece.size(), 1u);
  EXPECT_EQ(piece[0].map_task, 1);
  piece = Locations(1);
  ASSERT_EQ(piece.size(), 2u) << "map task 3 has not finished: the piece stops before it";
  EXPECT_EQ(piece[1].map_task, 2);
  EXPECT_TRUE(Locations(3).empty());
  EXPECT_TRUE(Locations(5).empty());
}

TEST_F(SchedulerTest, AWorkersFirstMapTaskOfTheJobCarriesTheInputFilesAndNoOtherTaskDoes) {
  Make(3, 1);
  wire::TaskSpec a, b, c;
  ASSERT_TRUE(Assign(1, &a));
  ASSERT_TRUE(Assign(2, &b));
  EXPECT_EQ(a.input_paths, (std::vector<std::string>{"/in/f0", "/in/f1", "/in/f2"}));
  EXPECT_EQ(a.input_sizes, (std::vector<uint64_t>{100, 100, 100}));
  EXPECT_EQ(b.input_paths, a.input_paths) << "each worker gets the list with its first map task";
  Complete(1, Report(a, true));
  ASSERT_TRUE(Assign(1, &c));
  EXPECT_TRUE(c.is_map);
  EXPECT_TRUE(c.input_paths.empty() && c.input_sizes.empty()) << "worker 1 has the list";
  Complete(1, Report(c, true));
  Complete(2, Report(b, true));
  wire::TaskSpec r;
  ASSERT_TRUE(Assign(1, &r));
  EXPECT_FALSE(r.is_map);
  EXPECT_TRUE(r.input_paths.empty()) << "a reduce reads no input files";
}

TEST_F(SchedulerTest, AnInputFileListLongerThanAnAssignmentCarriesIsLeftToTheWorkerToAskFor) {
  for (size_t extra : {0, 1}) {
    JobSpec spec = Spec(2, 1);
    // The two paths' guessed encoded sizes add up to the limit, then to one byte more.
    spec.plan.files.paths[0] = std::string(wire::kInlineListBytes / 2 - 24, 'a');
    spec.plan.files.paths[1] = std::string(wire::kInlineListBytes / 2 - 24 + extra, 'b');
    scheduler = std::make_unique<JobScheduler>(spec);
    scheduler->AddWorker(1, "worker 1", "10.0.0.1", 7001);
    wire::TaskSpec task;
    ASSERT_TRUE(Assign(1, &task));
    EXPECT_EQ(task.input_paths.size(), extra ? 0u : 2u) << "paths longer by " << extra;
    EXPECT_EQ(task.input_sizes.size(), task.input_paths.size());
  }
}

TEST_F(SchedulerTest, TheListsAnAssignmentCarriesFitTheBudgetTheMasterSetsForSmallFrames) {
  JobSpec spec = Spec(1, 1);
  spec.plan.files.paths[0] = std::string(100, 'p');  // 124 bytes, as guessed
  spec.inline_list_bytes = 123;
  scheduler = std::make_unique<JobScheduler>(spec);
  scheduler->AddWorker(1, "worker 1", std::string(100, 'h'), 7001);  // 132 bytes a location
  wire::TaskSpec map, reduce;
  ASSERT_TRUE(Assign(1, &map));
  EXPECT_TRUE(map.input_paths.empty());
  Complete(1, Report(map, true));
  ASSERT_TRUE(Assign(1, &reduce));
  EXPECT_TRUE(reduce.map_outputs.empty());
}

TEST_F(SchedulerTest, AReduceTaskCarriesTheLocationsOfTheMapOutputs) {
  Make(3, 1);
  for (int m = 0; m < 3; ++m) {
    wire::TaskSpec task;
    ASSERT_TRUE(Assign(1 + m % 2, &task));
    Complete(1 + m % 2, Report(task, true));
  }
  wire::TaskSpec r;
  ASSERT_TRUE(Assign(2, &r));
  ASSERT_FALSE(r.is_map);
  ASSERT_EQ(r.map_outputs.size(), 3u);
  for (int m = 0; m < 3; ++m) {
    EXPECT_EQ(r.map_outputs[m].map_task, m);
    EXPECT_EQ(r.map_outputs[m].host, Locations()[m].host);
    EXPECT_EQ(r.map_outputs[m].port, Locations()[m].port);
    EXPECT_EQ(r.map_outputs[m].attempt, Locations()[m].attempt);
  }
  EXPECT_EQ(r.map_outputs[1].host, "10.0.0.2");
}

TEST_F(SchedulerTest, AReduceTaskCarriesTheLocationsThatFitAndAsksForTheRest) {
  scheduler = std::make_unique<JobScheduler>(Spec(100, 1));
  const std::string host(1000, 'h');  // 1,032 bytes a location, as guessed: 63 fit in 64 KiB
  scheduler->AddWorker(1, "worker 1", host, 7001);
  for (int m = 0; m < 100; ++m) {
    wire::TaskSpec task;
    ASSERT_TRUE(Assign(1, &task));
    Complete(1, Report(task, true));
  }
  wire::TaskSpec r;
  ASSERT_TRUE(Assign(1, &r));
  ASSERT_EQ(r.map_outputs.size(), wire::kInlineListBytes / (host.size() + 32));
  EXPECT_EQ(r.map_outputs.back().map_task, static_cast<int>(r.map_outputs.size()) - 1);
  EXPECT_EQ(r.map_tasks, 100);
}

TEST_F(SchedulerTest, AnAttemptGivenAheadCountsItsTimeFromWhenItStarts) {
  SchedulerOptions options;
  options.speculation_min = seconds(1);
  Make(3, 1, options, 2);
  wire::TaskSpec a, ahead, b;
  ASSERT_TRUE(Assign(1, &a));
  ASSERT_TRUE(Assign(1, &ahead));  // asked for while a runs
  ASSERT_TRUE(Assign(2, &b));
  clock.Advance(seconds(10));
  Complete(1, Report(a, true));
  scheduler->AttemptStarted(1, Report(ahead, true), clock.Now());
  // a took 10 s: an attempt that has run 20 s is a straggler.
  clock.Advance(seconds(11));
  wire::TaskSpec backup;
  EXPECT_FALSE(Assign(2, &backup)) << "the attempt given ahead has run 11 s, not 21";
  ASSERT_TRUE(Assign(1, &backup)) << "b has run 21 s";
  EXPECT_EQ(backup.index, b.index);
  Complete(1, Report(ahead, true));
  std::vector<float> seconds_taken = scheduler->Summary(true).seconds;
  std::sort(seconds_taken.begin(), seconds_taken.end());
  EXPECT_EQ(seconds_taken, (std::vector<float>{10, 11})) << "the attempt given ahead ran 11 s";
}

TEST_F(SchedulerTest, AFetchFailureLosesEveryOutputOfTheSameWorker) {
  Make(4, 1);
  for (int m = 0; m < 4; ++m) {
    wire::TaskSpec task;
    ASSERT_TRUE(Assign(1 + m % 2, &task));
    Complete(1 + m % 2, Report(task, true));
  }
  wire::TaskSpec r;
  ASSERT_TRUE(Assign(1, &r));
  wire::TaskReport failed = Report(r, false, "connection refused");
  failed.lost_maps = {Locations()[2]};  // map 2 ran on worker 1, as did map 0
  Complete(1, failed);
  ASSERT_FALSE(scheduler->failed()) << scheduler->error();
  std::vector<int> again;
  for (wire::TaskSpec task; Assign(2, &task) && task.is_map;) again.push_back(task.index);
  EXPECT_EQ(again, (std::vector<int>{0, 2}));
}

TEST_F(SchedulerTest, RetriesAFailedTaskWithANewAttempt) {
  Make(2, 1);
  wire::TaskSpec a, again;
  Assign(1, &a);
  Complete(1, Report(a, false, "disk full"));
  ASSERT_TRUE(Assign(2, &again));
  EXPECT_EQ(again.index, a.index);
  EXPECT_EQ(again.attempt, a.attempt + 1);
  EXPECT_FALSE(scheduler->failed());
}

TEST_F(SchedulerTest, FailsTheJobAfterMaxAttemptsWithEveryAttemptsError) {
  SchedulerOptions options;
  options.max_attempts = 2;
  Make(2, 1, options, 1);
  wire::TaskSpec t;
  ASSERT_TRUE(Assign(1, &t));
  Complete(1, Report(t, false, "boom"));
  ASSERT_TRUE(Assign(1, &t));
  ASSERT_EQ(t.index, 0);  // a failed task waits in its place, ahead of later ones
  ASSERT_EQ(t.attempt, 1);
  Complete(1, Report(t, false, "boom again"));
  EXPECT_TRUE(scheduler->failed());
  EXPECT_EQ(scheduler->error(),
            "map task 0 (f0, bytes 0-100) failed 2 times; its attempts:\n"
            "  attempt 0 on worker 1: failed: boom\n"
            "  attempt 1 on worker 1: failed: boom again");
  EXPECT_FALSE(Assign(1, &t));
}

TEST_F(SchedulerTest, AWorkerLostUnderATaskCountsAgainstItsAttempts) {
  SchedulerOptions options;
  options.max_attempts = 2;
  Make(1, 1, options, 3);
  wire::TaskSpec t;
  ASSERT_TRUE(Assign(1, &t));
  Lost(1);
  EXPECT_FALSE(scheduler->failed());
  ASSERT_TRUE(Assign(2, &t));
  EXPECT_EQ(t.attempt, 1);
  Lost(2);
  ASSERT_TRUE(scheduler->failed()) << "a task that kills every worker it runs on must end the job";
  EXPECT_NE(scheduler->error().find("attempt 1 on worker 2: lost: worker 2 was lost: connection "
                                    "closed"),
            std::string::npos)
      << scheduler->error();
}

TEST_F(SchedulerTest, IgnoresReportsOfStaleAttempts) {
  Make(2, 1);
  wire::TaskSpec a, again;
  Assign(1, &a);
  Lost(1);
  ASSERT_TRUE(Assign(2, &again));
  Complete(1, Report(a, true));  // the lost worker's late report
  EXPECT_EQ(scheduler->progress().maps_done, 0);
  Complete(2, Report(again, true));
  EXPECT_EQ(scheduler->progress().maps_done, 1);
}

TEST_F(SchedulerTest, RerunsFinishedMapsWhoseOutputWasLost) {
  Make(2, 1);
  wire::TaskSpec a, b, r;
  Assign(1, &a);
  Assign(2, &b);
  Complete(1, Report(a, true));
  Complete(2, Report(b, true));
  Lost(1);  // held map 0's output, the reduce has not run
  EXPECT_FALSE(scheduler->maps_done());
  ASSERT_TRUE(Assign(2, &r));
  EXPECT_TRUE(r.is_map);
  EXPECT_EQ(r.index, 0);
  EXPECT_EQ(r.attempt, 1);
  Complete(2, Report(r, true));
  ASSERT_TRUE(Assign(2, &r));
  EXPECT_FALSE(r.is_map);
  EXPECT_EQ(Locations()[0].host, "10.0.0.2");
  EXPECT_EQ(Locations()[0].attempt, 1);
}

TEST_F(SchedulerTest, ReducesWaitingForLostMapOutputOnEveryWorkerArePreempted) {
  // Three workers: two run the reduces when the third, holding map 0's output, is lost. The
  // reduces wait for that output and would hold both workers for ever.
  Make(3, 2, {}, 3);
  wire::TaskSpec m0, m1, m2, r0, r1, again;
  Assign(3, &m0);
  Assign(1, &m1);
  Assign(2, &m2);
  Complete(3, Report(m0, true));
  Complete(1, Report(m1, true));
  Complete(2, Report(m2, true));
  ASSERT_TRUE(Assign(1, &r0));
  ASSERT_TRUE(Assign(2, &r1));
  ASSERT_FALSE(r0.is_map || r1.is_map);
  Lost(3);
  EXPECT_TRUE(scheduler->PreemptReduces(clock.Now()).empty()) << "a worker may free up soon";
  clock.Advance(milliseconds(999));
  EXPECT_TRUE(scheduler->PreemptReduces(clock.Now()).empty());
  clock.Advance(milliseconds(1));
  const std::vector<AttemptToKill> killed = scheduler->PreemptReduces(clock.Now());
  ASSERT_EQ(killed.size(), 1u) << "one waiting map: one worker";
  EXPECT_EQ(killed[0].worker, 2) << "the newest reduce";
  EXPECT_FALSE(killed[0].kill.is_map);
  EXPECT_EQ(killed[0].kill.index, r1.index);
  EXPECT_EQ(killed[0].kill.attempt, r1.attempt);
  EXPECT_TRUE(scheduler->PreemptReduces(clock.Now()).empty()) << "its worker is not back yet";
  // The killed attempt's report changes nothing; its worker runs the map, then the reduce again.
  Complete(2, Report(r1, false, "killed"));
  ASSERT_TRUE(Assign(2, &again));
  EXPECT_TRUE(again.is_map);
  EXPECT_EQ(again.index, 0);
  Complete(2, Report(again, true));
  ASSERT_TRUE(Assign(2, &again));
  EXPECT_FALSE(again.is_map);
  EXPECT_EQ(again.index, r1.index);
  Complete(2, Report(again, true));
  Complete(1, Report(r0, true));
  EXPECT_TRUE(scheduler->done());
  const std::vector<AttemptRecord>& notable = scheduler->notable_attempts();
  ASSERT_FALSE(notable.empty());
  EXPECT_EQ(std::count_if(notable.begin(), notable.end(),
                          [](const AttemptRecord& a) {
                            return !a.is_map && a.outcome == AttemptRecord::Outcome::kKilled;
                          }),
            1);
  EXPECT_EQ(scheduler->Summary(false).failed, 0) << "a preempted reduce has not failed";
}

TEST_F(SchedulerTest, NothingIsPreemptedWhileAMapRunsAgain) {
  Make(4, 2, {}, 4);
  wire::TaskSpec m[4], r0, r1, again;
  for (int i = 0; i < 4; ++i) {
    const int worker = i < 2 ? 3 : 4;
    ASSERT_TRUE(Assign(worker, &m[i]));
    Complete(worker, Report(m[i], true));
  }
  ASSERT_TRUE(Assign(1, &r0));
  ASSERT_TRUE(Assign(2, &r1));
  Lost(3);  // maps 0 and 1 wait again
  ASSERT_TRUE(Assign(4, &again));
  EXPECT_TRUE(again.is_map);
  clock.Advance(seconds(10));
  EXPECT_TRUE(scheduler->PreemptReduces(clock.Now()).empty()) << "worker 4 is making them";
}

TEST_F(SchedulerTest, NothingIsPreemptedWhileMapsWaitForTheirFirstRun) {
  Make(4, 1);
  wire::TaskSpec a, b;
  Assign(1, &a);
  Assign(2, &b);
  clock.Advance(seconds(10));
  EXPECT_TRUE(scheduler->PreemptReduces(clock.Now()).empty());
}

TEST_F(SchedulerTest, AFetchFailureRerunsTheMapNotTheReducesAttempts) {
  SchedulerOptions options;
  options.max_attempts = 2;  // two counted failures of the reduce would end the job
  Make(2, 1, options);
  wire::TaskSpec a, b;
  Assign(1, &a);
  Assign(2, &b);
  Complete(1, Report(a, true));
  Complete(2, Report(b, true));
  for (int lost : {1, 0}) {
    wire::TaskSpec r, rerun;
    ASSERT_TRUE(Assign(1, &r));
    ASSERT_FALSE(r.is_map);
    wire::TaskReport failed = Report(r, false, "nothing from the peer for 10 s");
    failed.lost_maps = {Locations()[lost]};
    Complete(1, failed);
    ASSERT_FALSE(scheduler->failed()) << scheduler->error();
    EXPECT_FALSE(scheduler->maps_done());
    ASSERT_TRUE(Assign(2, &rerun));
    EXPECT_TRUE(rerun.is_map);
    EXPECT_EQ(rerun.index, lost);
    Complete(2, Report(rerun, true));
  }
  wire::TaskSpec r;
  ASSERT_TRUE(Assign(1, &r));
  EXPECT_EQ(r.attempt, 2);
  EXPECT_TRUE(Complete(1, Report(r, true)).accepted);
  EXPECT_TRUE(scheduler->done());
}

TEST_F(SchedulerTest, RepeatedFetchFailuresOfOneMapFailTheJob) {
  SchedulerOptions options;
  options.max_attempts = 2;
  Make(1, 1, options);
  for (int round = 0; round < 2; ++round) {
    wire::TaskSpec m, r;
    ASSERT_TRUE(Assign(2, &m));
    Complete(2, Report(m, true));
    ASSERT_TRUE(Assign(1, &r));
    wire::TaskReport failed = Report(r, false, "unreachable");
    failed.lost_maps = {Locations()[0]};
    Complete(1, failed);
  }
  EXPECT_TRUE(scheduler->failed());
}

TEST_F(SchedulerTest, BacksUpAStragglerAndKillsTheLoser) {
  Make(3, 1);
  wire::TaskSpec a, b, c, backup;
  Assign(1, &a);
  Assign(2, &b);
  clock.Advance(milliseconds(100));
  Complete(2, Report(b, true));  // the median map takes 0.1 s
  Assign(2, &c);
  clock.Advance(milliseconds(100));
  Complete(2, Report(c, true));
  EXPECT_FALSE(Assign(2, &backup)) << "map 0 has run 0.2 s: not yet a straggler (min 1 s)";
  clock.Advance(milliseconds(900));
  ASSERT_TRUE(Assign(2, &backup));
  EXPECT_TRUE(backup.is_map);
  EXPECT_EQ(backup.index, 0);
  EXPECT_EQ(backup.attempt, 1);
  wire::TaskSpec none;
  EXPECT_FALSE(Assign(3, &none)) << "one backup per task";

  Completion won = Complete(2, Report(backup, true));
  EXPECT_TRUE(won.accepted);
  ASSERT_EQ(won.to_kill.size(), 1u);
  EXPECT_EQ(won.to_kill[0].worker, 1);
  EXPECT_EQ(won.to_kill[0].kill.attempt, 0);
  EXPECT_FALSE(Complete(1, Report(a, true)).accepted) << "the loser's late report is ignored";
  EXPECT_EQ(scheduler->progress().maps_done, 3);
  EXPECT_EQ(scheduler->counters().Get("records"), 30);
  const auto& attempts = scheduler->notable_attempts();
  EXPECT_EQ(attempts[0].outcome, AttemptRecord::Outcome::kKilled);
  EXPECT_TRUE(attempts.back().speculative);
}

TEST_F(SchedulerTest, NoBackupsWhenSpeculationIsOff) {
  SchedulerOptions options;
  options.speculation = false;
  Make(2, 1, options);
  wire::TaskSpec a, b, backup;
  Assign(1, &a);
  Assign(2, &b);
  Complete(2, Report(b, true));
  clock.Advance(seconds(3600));
  EXPECT_FALSE(Assign(2, &backup));
}

TEST_F(SchedulerTest, ExcludesAWorkerWhereTasksKeepFailing) {
  SchedulerOptions options;
  options.max_attempts = 10;
  options.max_failures_per_worker = 2;
  Make(4, 1, options);
  wire::TaskSpec t;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(Assign(1, &t));
    Complete(1, Report(t, false, "bad disk"));
  }
  EXPECT_FALSE(Assign(1, &t)) << "worker 1 failed twice: excluded";
  EXPECT_TRUE(Assign(2, &t));
  EXPECT_EQ(scheduler->ExcludedWorkers(), std::vector<std::string>{"worker 1"});
}

TEST_F(SchedulerTest, ExclusionNeverLeavesTheJobWithoutWorkers) {
  SchedulerOptions options;
  options.max_attempts = 10;
  options.max_failures_per_worker = 1;
  Make(4, 1, options, 1);
  wire::TaskSpec t;
  ASSERT_TRUE(Assign(1, &t));
  Complete(1, Report(t, false, "bad disk"));
  EXPECT_TRUE(Assign(1, &t)) << "the only worker stays in use";
}

TEST_F(SchedulerTest, CountsProgressInInputBytes) {
  Make(2, 1);
  wire::TaskSpec a;
  Assign(1, &a);
  Complete(1, Report(a, true));
  JobProgress p = scheduler->progress();
  EXPECT_EQ(p.maps_done, 1);
  EXPECT_EQ(p.maps_total, 2);
  EXPECT_EQ(p.bytes_done, 100u);
  EXPECT_EQ(p.bytes_total, 200u);
}

}  // namespace
}  // namespace minimr::runtime
