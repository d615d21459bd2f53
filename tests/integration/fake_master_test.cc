// A real worker facing a master the test plays itself, for what a master of this cluster never
// sends and the worker must still refuse.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "framework/src/wire/archive.h"
#include "framework/src/wire/connection_file.h"
#include "framework/src/wire/listener.h"
#include "framework/src/wire/messages.h"
#include "tests/integration/harness.h"

namespace minimr::testing {
namespace {

namespace asio = boost::asio;

// Answers a worker's registration, and its first request for a task with `tasks`, all sent in
// one write; logs why the connection closed.
class FakeMaster {
 public:
  FakeMaster(const std::filesystem::path& connection_file, std::vector<wire::TaskSpec> tasks)
      : key_(wire::NewKey()), tasks_(std::move(tasks)) {
    listener_ = std::make_shared<wire::Listener>(
        io_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0), key_,
        wire::ListenerLimits{}, [](const std::string&) {});
    listener_->Start([this](std::shared_ptr<wire::Session> session) {
      std::weak_ptr<wire::Session> weak = session;
      session->Start(
          wire::Session::Role::kServer, nullptr,
          [this, weak](wire::MessageType type, std::string_view) {
            auto s = weak.lock();
            if (!s) return;
            if (type == wire::MessageType::kRegisterWorker) {
              s->SendMessage(wire::MessageType::kRegistered, wire::Registered{1});
            } else if (type == wire::MessageType::kTaskRequest) {
              for (const wire::TaskSpec& task : tasks_) {
                s->SendMessage(wire::MessageType::kTaskAssignment,
                               wire::TaskAssignment{false, task});
              }
            }
          },
          [](const std::string&) {});
    });
    wire::ConnectionInfo info;
    info.host = "127.0.0.1";
    info.port = listener_->port();
    info.key = key_;
    wire::WriteConnectionFile(connection_file.string(), info);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~FakeMaster() {
    asio::post(io_, [this] { listener_->Close(); });
    work_.reset();
    io_.stop();
    thread_.join();
  }

 private:
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      io_.get_executor()};
  wire::Key key_;
  std::vector<wire::TaskSpec> tasks_;
  std::shared_ptr<wire::Listener> listener_;
  std::thread thread_;
};

// A real worker against a FakeMaster that sends it `tasks`, until the worker ends (60 s at
// most): whether it ended, and its log.
struct WorkerRun {
  bool ended = false;
  std::filesystem::path log;
};
WorkerRun RunWorker(const TempDir& dir, std::vector<wire::TaskSpec> tasks) {
  const std::filesystem::path connection_file = dir.path() / "connection.json";
  FakeMaster master(connection_file, std::move(tasks));
  WorkerRun run;
  run.log = dir.path() / "worker.log";
  ChildProcess worker({Minimr(), "worker", "--connection-file", connection_file.string(),
                       "--work-dir", dir.path().string(), "--name", "w"},
                      run.log.string());
  run.ended = worker.WaitFor(std::chrono::seconds(60));
  return run;
}

TEST(FakeMaster, AWorkerRefusesASecondTaskWhileOneWaitsToStart) {
  TempDir dir("fake-master");
  const std::filesystem::path input = dir.path() / "input";
  {
    std::ofstream out(input);
    for (int i = 0; i < 200000; ++i) out << "the quick brown fox jumps over the lazy dog\n";
  }
  // Three map tasks at once, where a worker asks for one at a time: at most one can be running
  // and one waiting when the third comes (the first takes far longer than reading frames).
  std::vector<wire::TaskSpec> tasks(3);
  for (int i = 0; i < 3; ++i) {
    tasks[i].job_id = 1;
    tasks[i].job_name = "wordcount";
    tasks[i].index = i;
    tasks[i].length = std::filesystem::file_size(input);
    tasks[i].input_paths = {input.string()};
    tasks[i].input_sizes = {tasks[i].length};
  }
  WorkerRun run = RunWorker(dir, tasks);
  ASSERT_TRUE(run.ended) << ReadFile(run.log);
  EXPECT_TRUE(WaitForText(run.log, "a task assignment while another waits to start",
                          std::chrono::seconds(5)))
      << ReadFile(run.log);
}

TEST(FakeMaster, AWorkerRefusesAnInputFileListWithoutItsSizes) {
  TempDir dir("fake-master-sizes");
  wire::TaskSpec task;
  task.job_id = 1;
  task.job_name = "wordcount";
  task.length = 1;
  task.input_paths = {(dir.path() / "input").string()};
  WorkerRun run = RunWorker(dir, {task});
  ASSERT_TRUE(run.ended) << ReadFile(run.log);
  EXPECT_TRUE(WaitForText(run.log, "an assignment with 1 input paths and 0 sizes",
                          std::chrono::seconds(5)))
      << ReadFile(run.log);
}

}  // namespace
}  // namespace minimr::testing
