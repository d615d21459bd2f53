// The master in this process, on loopback, with a clock the test moves: failure detection and
// the no-worker rule decided by the Clock seam, without waiting for real time to pass.
#include "framework/src/runtime/master.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "framework/src/runtime/job_output.h"
#include "framework/src/wire/archive.h"
#include "framework/src/wire/blocking_client.h"
#include "tests/common/job_result.h"

namespace minimr::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class MasterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.key = wire::NewKey();
    options_.clock = &clock_;
    options_.worker_timeout = seconds(10);
    options_.tick = milliseconds(10);
    master_ = std::make_unique<Master>(io_, options_);
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    boost::asio::post(io_, [this] { master_->Stop(); });
    thread_.join();
  }

  // A fake worker: registers, then stays silent unless told otherwise.
  std::unique_ptr<wire::BlockingClient> Register() {
    auto client = std::make_unique<wire::BlockingClient>("127.0.0.1", master_->port(),
                                                         options_.key, seconds(30));
    client->Send(wire::MessageType::kRegisterWorker,
                 wire::Encode(wire::RegisterWorker{"127.0.0.1", 1, 1, "fake worker"}));
    wire::MessageType type;
    std::string body;
    client->Receive(&type, &body);
    EXPECT_EQ(type, wire::MessageType::kRegistered);
    return client;
  }

  // Submits a word count over `bytes` bytes in 1-byte splits (one map task a byte) from a client
  // of its own, which it returns. REQUIRES: one call per test.
  std::unique_ptr<wire::BlockingClient> SubmitOneTaskPerByte(int bytes, int max_attempts = 4) {
    std::string pattern = (std::filesystem::temp_directory_path() / "master_test.XXXXXX").string();
    EXPECT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    std::ofstream(dir_ / "input") << std::string(static_cast<size_t>(bytes), 'x');
    wire::JobSubmission job;
    job.job_name = "wordcount";
    job.input_paths = {(dir_ / "input").string()};
    job.split_size = 1;
    job.max_attempts = max_attempts;
    job.speculation = false;
    job.output_dir = (dir_ / "out").string();
    auto client = std::make_unique<wire::BlockingClient>("127.0.0.1", master_->port(),
                                                         options_.key, seconds(30));
    client->Send(wire::MessageType::kSubmitJob, wire::Encode(job));
    return client;
  }

  // The next frame the worker receives, which must be a task assignment: its task.
  static wire::TaskSpec NextTask(wire::BlockingClient& worker) {
    wire::MessageType type;
    std::string body;
    worker.Receive(&type, &body);
    EXPECT_EQ(type, wire::MessageType::kTaskAssignment);
    wire::TaskAssignment assignment;
    if (type == wire::MessageType::kTaskAssignment) wire::Decode(body, assignment);
    return assignment.task;
  }

  static wire::TaskReport Done(const wire::TaskSpec& task, bool wants_task) {
    wire::TaskReport report;
    report.job_id = task.job_id;
    report.is_map = task.is_map;
    report.index = task.index;
    report.attempt = task.attempt;
    report.ok = true;
    report.wants_task = wants_task;
    return report;
  }

  // Reports a task as done, as a worker does: a reduce leaves its (empty) part file first.
  static void Report(wire::BlockingClient& worker, const wire::TaskSpec& task, bool wants_task) {
    if (!task.is_map) {
      const std::filesystem::path part = AttemptPartPath(task.output_dir, task.index, task.attempt);
      std::filesystem::create_directories(part.parent_path());
      std::ofstream{part};
    }
    worker.Send(wire::MessageType::kTaskReport, wire::Encode(Done(task, wants_task)));
  }

  // Workers a and b and a job of four one-byte map tasks: a runs one and was given another
  // ahead (two waited, two workers), b runs one; one waits.
  struct AheadOfTwo {
    std::unique_ptr<wire::BlockingClient> a, b, client;
    wire::TaskSpec of_a, of_b, ahead;
  };
  AheadOfTwo GiveOneAheadOfTwo(int max_attempts) {
    AheadOfTwo w;
    w.a = Register();
    w.b = Register();
    w.a->Send(wire::MessageType::kTaskRequest, "");
    w.b->Send(wire::MessageType::kTaskRequest, "");
    w.client = SubmitOneTaskPerByte(4, max_attempts);
    w.of_a = NextTask(*w.a);
    w.of_b = NextTask(*w.b);
    w.a->Send(wire::MessageType::kTaskRequestAhead, "");
    w.ahead = NextTask(*w.a);
    return w;
  }

  // Reports `running` and runs every task left on `worker`: `maps_left` maps, then the reduce.
  static void RunTheRest(wire::BlockingClient& worker, const wire::TaskSpec& running,
                         int maps_left) {
    Report(worker, running, true);
    for (int left = maps_left + 1; left > 0; --left) {
      wire::TaskSpec task = NextTask(worker);
      EXPECT_EQ(task.is_map, left > 1);
      Report(worker, task, left > 1);
    }
  }

  // Waits (up to 20 s) until the master counts `count` workers: it has taken in the loss of
  // the others.
  bool WaitForWorkers(size_t count) {
    for (int i = 0; i < 2000; ++i) {
      wire::BlockingClient status("127.0.0.1", master_->port(), options_.key, seconds(30));
      status.Send(wire::MessageType::kClusterStatus, "");
      wire::MessageType type;
      std::string body;
      status.Receive(&type, &body);
      wire::ClusterInfo info;
      wire::Decode(body, info);
      if (info.workers.size() == count) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return false;
  }

  // Waits for the job's result, which must be a success, and returns its job.json.
  nlohmann::json JobRecord(wire::BlockingClient& client) {
    wire::JobStatus result = testing::ReceiveJobResult(client);
    EXPECT_TRUE(result.ok) << result.error;
    return nlohmann::json::parse(std::ifstream(dir_ / "out" / "job.json"));
  }

  ~MasterTest() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  ManualClock clock_;
  std::filesystem::path dir_;
  MasterOptions options_;
  boost::asio::io_context io_;
  std::unique_ptr<Master> master_;
  std::thread thread_;
};

TEST_F(MasterTest, ASilentWorkerIsDroppedOnceTheClockPassesTheTimeout) {
  auto worker = Register();
  clock_.Advance(seconds(9));
  // Still there: a heartbeat is answered.
  worker->Send(wire::MessageType::kHeartbeat, wire::Encode(wire::Heartbeat{0}));
  wire::MessageType type;
  std::string body;
  worker->Receive(&type, &body);
  EXPECT_EQ(type, wire::MessageType::kHeartbeat);
  clock_.Advance(seconds(10) + milliseconds(1));
  // Taken for dead: the master hangs up (rather than the client's own 30 s deadline passing).
  try {
    worker->Receive(&type, &body);
    ADD_FAILURE() << "the master kept a worker silent past its timeout";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("connection closed by peer"), std::string::npos)
        << e.what();
  }
}

TEST_F(MasterTest, AHeartbeatKeepsAWorkerAlive) {
  auto worker = Register();
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(seconds(6));
    worker->Send(wire::MessageType::kHeartbeat, wire::Encode(wire::Heartbeat{0}));
    wire::MessageType type;
    std::string body;
    ASSERT_NO_THROW(worker->Receive(&type, &body)) << "after " << 6 * (i + 1) << " s";
  }
}

TEST_F(MasterTest, AReportThatAsksForTheNextTaskGetsOneAndOneThatDoesNotGetsNone) {
  auto worker = Register();
  worker->Send(wire::MessageType::kTaskRequest, "");
  auto client = SubmitOneTaskPerByte(3);
  wire::TaskSpec first = NextTask(*worker);
  EXPECT_TRUE(first.is_map);
  EXPECT_EQ(first.index, 0);

  // Asked with the report: the next task comes without a kTaskRequest.
  worker->Send(wire::MessageType::kTaskReport, wire::Encode(Done(first, true)));
  wire::TaskSpec second = NextTask(*worker);
  EXPECT_EQ(second.index, 1);

  // Not asked: the answer to a heartbeat sent after the report comes first, so no task was
  // given in between.
  worker->Send(wire::MessageType::kTaskReport, wire::Encode(Done(second, false)));
  worker->Send(wire::MessageType::kHeartbeat, wire::Encode(wire::Heartbeat{0}));
  wire::MessageType type;
  std::string body;
  worker->Receive(&type, &body);
  EXPECT_EQ(type, wire::MessageType::kHeartbeat);
  worker->Send(wire::MessageType::kTaskRequest, "");
  EXPECT_EQ(NextTask(*worker).index, 2);
}

// Whether the master sends the worker anything before answering a heartbeat sent now: the
// answer to a heartbeat comes after whatever the master sent before it.
bool GivenNothingMore(wire::BlockingClient& worker) {
  worker.Send(wire::MessageType::kHeartbeat, wire::Encode(wire::Heartbeat{0}));
  wire::MessageType type;
  std::string body;
  worker.Receive(&type, &body);
  return type == wire::MessageType::kHeartbeat;
}

TEST_F(MasterTest, AWorkerThatAsksAheadGetsItsNextTaskWhileItRunsOne) {
  auto worker = Register();
  worker->Send(wire::MessageType::kTaskRequest, "");
  auto client = SubmitOneTaskPerByte(3);
  wire::TaskSpec first = NextTask(*worker);
  worker->Send(wire::MessageType::kTaskRequestAhead, "");
  wire::TaskSpec second = NextTask(*worker);
  EXPECT_EQ(second.index, 1);
  // The report of the first task does not ask again: the second is already there.
  worker->Send(wire::MessageType::kTaskReport, wire::Encode(Done(first, false)));
  EXPECT_TRUE(GivenNothingMore(*worker));
  worker->Send(wire::MessageType::kTaskRequestAhead, "");
  EXPECT_EQ(NextTask(*worker).index, 2);
}

TEST_F(MasterTest, AnAheadRequestWaitsWhileFewerTasksWaitThanWorkersAndTheReportGetsOne) {
  auto a = Register();
  auto b = Register();
  a->Send(wire::MessageType::kTaskRequest, "");
  b->Send(wire::MessageType::kTaskRequest, "");
  auto client = SubmitOneTaskPerByte(3);
  wire::TaskSpec of_a = NextTask(*a);
  NextTask(*b);
  // One task waits and two workers could take it: it goes to whichever is free first.
  a->Send(wire::MessageType::kTaskRequestAhead, "");
  EXPECT_TRUE(GivenNothingMore(*a)) << "given ahead while another worker may be free first";
  // The report frees worker a, which asked ahead and got nothing: it is given the task now.
  a->Send(wire::MessageType::kTaskReport, wire::Encode(Done(of_a, false)));
  EXPECT_EQ(NextTask(*a).index, 2);
}

TEST_F(MasterTest, ATaskGivenAheadCountsItsTimeFromTheReportOfTheOneBeforeIt) {
  auto worker = Register();
  worker->Send(wire::MessageType::kTaskRequest, "");
  auto client = SubmitOneTaskPerByte(2);
  wire::TaskSpec first = NextTask(*worker);
  worker->Send(wire::MessageType::kTaskRequestAhead, "");
  wire::TaskSpec second = NextTask(*worker);
  clock_.Advance(seconds(9));  // less than the worker timeout
  Report(*worker, first, false);  // the second starts now
  worker->Send(wire::MessageType::kTaskRequestAhead, "");  // nothing waits: nothing given
  ASSERT_TRUE(GivenNothingMore(*worker));  // and the master has taken both in before time moves
  clock_.Advance(seconds(1));
  // The maps are done; the worker asked ahead and got nothing, so it is free for the reduce,
  // which is not one given ahead.
  Report(*worker, second, false);
  wire::TaskSpec reduce = NextTask(*worker);
  EXPECT_FALSE(reduce.is_map);
  clock_.Advance(seconds(2));
  Report(*worker, reduce, false);
  nlohmann::json record = JobRecord(*client);
  EXPECT_EQ(record["tasks"]["map"]["seconds"]["max"].get<double>(), 9.0) << record.dump(1);
  EXPECT_EQ(record["tasks"]["map"]["seconds"]["min"].get<double>(), 1.0) << record.dump(1);
  EXPECT_EQ(record["tasks"]["reduce"]["seconds"]["max"].get<double>(), 2.0) << record.dump(1);
}

TEST_F(MasterTest, ATaskGivenAheadAndNotStartedGoesToAWorkerThatIsFreeWithoutCountingAsAFailure) {
  auto [a, b, client, of_a, of_b, ahead] = GiveOneAheadOfTwo(/*max_attempts=*/1);
  Report(*b, of_b, true);
  wire::TaskSpec last = NextTask(*b);
  b->Send(wire::MessageType::kTaskRequestAhead, "");
  Report(*b, last, false);  // b is free, nothing waits, and a has not started `ahead`
  wire::MessageType type;
  std::string body;
  a->Receive(&type, &body);
  ASSERT_EQ(type, wire::MessageType::kKillTask);
  wire::KillTask kill;
  wire::Decode(body, kill);
  EXPECT_EQ(kill.index, ahead.index);
  EXPECT_EQ(kill.attempt, ahead.attempt);
  wire::TaskSpec again = NextTask(*b);
  EXPECT_EQ(again.index, ahead.index);
  EXPECT_EQ(again.attempt, ahead.attempt + 1);
  Report(*b, again, true);
  ASSERT_TRUE(GivenNothingMore(*b));  // a's first task still runs: no reduce yet
  // a ends its task, then fails the dropped one at once and asks again, as a worker does.
  Report(*a, of_a, false);
  wire::TaskSpec reduce = NextTask(*b);
  wire::TaskReport dropped = Done(ahead, true);
  dropped.ok = false;
  dropped.error = "killed by the master, or its worker is leaving";
  a->Send(wire::MessageType::kTaskReport, wire::Encode(dropped));
  ASSERT_TRUE(GivenNothingMore(*a));
  Report(*b, reduce, false);
  nlohmann::json record = JobRecord(*client);
  EXPECT_EQ(record["tasks"]["map"]["failed"], 0) << record.dump(1);
  EXPECT_EQ(record["tasks"]["map"]["killed"], 1) << record.dump(1);
  EXPECT_NE(record["tasks"]["attempts"].dump().find("taken back for a free worker"),
            std::string::npos)
      << record.dump(1);
}

TEST_F(MasterTest, ATaskGivenAheadToAWorkerLostBeforeStartingItIsNotCountedAgainstTheTask) {
  auto [a, b, client, of_a, of_b, ahead] = GiveOneAheadOfTwo(/*max_attempts=*/2);
  a.reset();  // lost with one task running and one given ahead
  ASSERT_TRUE(WaitForWorkers(1));
  // b runs everything left: the last map, the one a ran (a second attempt), the one given ahead
  // to a, and the reduce.
  RunTheRest(*b, of_b, 3);
  nlohmann::json record = JobRecord(*client);
  EXPECT_EQ(record["tasks"]["map"]["lost"], 1) << record.dump(1);
  EXPECT_EQ(record["tasks"]["map"]["killed"], 1) << record.dump(1);
  const std::string attempts = record["tasks"]["attempts"].dump();
  EXPECT_NE(attempts.find("which was lost before starting it"), std::string::npos) << attempts;
}

TEST_F(MasterTest, ATaskGivenAheadToAWorkerThatDiesOfItsTaskIsNotCountedAgainstIt) {
  auto [a, b, client, of_a, of_b, ahead] = GiveOneAheadOfTwo(/*max_attempts=*/2);
  // a's task crashes it: its last report says so, and the master hangs up.
  wire::TaskReport dying = Done(of_a, false);
  dying.ok = false;
  dying.error = "the worker died of signal 11 (Segmentation fault)";
  dying.worker_dying = true;
  a->Send(wire::MessageType::kTaskReport, wire::Encode(dying));
  ASSERT_TRUE(WaitForWorkers(1));
  RunTheRest(*b, of_b, 3);
  nlohmann::json record = JobRecord(*client);
  EXPECT_EQ(record["tasks"]["map"]["failed"], 1) << record.dump(1);
  EXPECT_EQ(record["tasks"]["map"]["killed"], 1) << record.dump(1);
  const std::string attempts = record["tasks"]["attempts"].dump();
  EXPECT_NE(attempts.find("which died before starting it"), std::string::npos) << attempts;
}

}  // namespace
}  // namespace minimr::runtime
