// ChildProcess::Fork: a fork of this process that runs a function, left as exec would leave a
// new program (descriptors, signal handlers), and ChildProcess's waiting on its children.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "framework/src/util/process.h"
#include "tests/common/temp_dir.h"

namespace minimr {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

class ChildProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    temp_ = std::make_unique<testing::TempDir>("child-process-test");
    dir_ = temp_->path();
  }
  void TearDown() override { temp_.reset(); }

  std::string Log() const { return (dir_ / "child.log").string(); }
  std::string ReadLog() const {
    std::ifstream in(Log());
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::unique_ptr<testing::TempDir> temp_;
  fs::path dir_;
};

TEST_F(ChildProcessTest, AForkRunsItsBodyAndExitsWithWhatItReturns) {
  ChildProcess child = ChildProcess::Fork(
      "test-child",
      [] {
        std::cout << "from the body, ";
        std::fputs("unflushed", stdout);  // the fork's own output is flushed before _exit
        return 7;
      },
      Log());
  ASSERT_TRUE(child.WaitFor(seconds(30)));
  EXPECT_EQ(child.ExitCode(), 7);
  EXPECT_EQ(child.Ending(), "exited with status 7");
  EXPECT_EQ(ReadLog(), "from the body, unflushed");
}

TEST_F(ChildProcessTest, AnExceptionOutOfTheBodyIsLoggedAndTheForkExitsWithOne) {
  ChildProcess child = ChildProcess::Fork(
      "test-child", []() -> int { throw std::runtime_error("the body gave up"); }, Log());
  ASSERT_TRUE(child.WaitFor(seconds(30)));
  EXPECT_EQ(child.ExitCode(), 1);
  EXPECT_EQ(ReadLog(), "test-child: the body gave up\n");
}

TEST_F(ChildProcessTest, AForkDoesNotWriteOutputItsParentHadNotFlushed) {
  // Left in this process's buffers, it would be in the fork's too, and end up in its log.
  std::cout << "unflushed parent text";
  std::fputs("unflushed stdio text", stdout);
  ChildProcess child = ChildProcess::Fork("test-child", [] { return 0; }, Log());
  ASSERT_TRUE(child.WaitFor(seconds(30)));
  std::cout << std::endl;
  EXPECT_EQ(child.ExitCode(), 0);
  EXPECT_EQ(ReadLog(), "");
}

TEST_F(ChildProcessTest, AForkHasNoneOfItsParentsDescriptorsButTheStandardThree) {
  const std::string path = (dir_ / "held-open").string();
  const int held = ::open(path.c_str(), O_WRONLY | O_CREAT, 0600);  // not close-on-exec
  ASSERT_GE(held, 3);
  ChildProcess child = ChildProcess::Fork(
      "test-child",
      [held] {
        bool standard_open = ::fcntl(0, F_GETFD) != -1 && ::fcntl(1, F_GETFD) != -1 &&
                             ::fcntl(2, F_GETFD) != -1;
        return !standard_open ? 2 : ::fcntl(held, F_GETFD) == -1 ? 0 : 1;
      },
      Log());
  ASSERT_TRUE(child.WaitFor(seconds(30)));
  ::close(held);
  EXPECT_EQ(child.ExitCode(), 0) << "1: the parent's descriptor was still open in the fork; "
                                    "2: a standard descriptor was closed";
}

void CountSignal(int) {}

TEST_F(ChildProcessTest, AForkHasItsParentsHandlersResetAndItsIgnoredSignalsStillIgnored) {
  struct sigaction handled {}, ignored{}, old_usr1{}, old_usr2{};
  handled.sa_handler = CountSignal;
  ignored.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGUSR1, &handled, &old_usr1), 0);
  ASSERT_EQ(::sigaction(SIGUSR2, &ignored, &old_usr2), 0);
  ChildProcess child = ChildProcess::Fork(
      "test-child",
      [] {
        struct sigaction usr1 {}, usr2{};
        ::sigaction(SIGUSR1, nullptr, &usr1);
        ::sigaction(SIGUSR2, nullptr, &usr2);
        return (usr1.sa_handler == SIG_DFL ? 0 : 1) + (usr2.sa_handler == SIG_IGN ? 0 : 2);
      },
      Log());
  ASSERT_TRUE(child.WaitFor(seconds(30)));
  ::sigaction(SIGUSR1, &old_usr1, nullptr);
  ::sigaction(SIGUSR2, &old_usr2, nullptr);
  EXPECT_EQ(child.ExitCode(), 0) << "1: SIGUSR1 kept its handler; 2: SIGUSR2 was not ignored";
}

// A second thread of this process, waiting until the object goes.
class AnotherThread {
 public:
  AnotherThread()
      : thread_([this] {
          std::unique_lock lock(mu_);
          cv_.wait(lock, [this] { return done_; });
        }) {}
  ~AnotherThread() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

TEST_F(ChildProcessTest, ForkIsRefusedWhileAnotherThreadRuns) {
  {
    AnotherThread other;
    EXPECT_THROW(ChildProcess::Fork("test-child", [] { return 0; }, Log()), std::logic_error);
  }
  // Once it has ended, a fork is allowed again.
  ChildProcess child = ChildProcess::Fork("test-child", [] { return 0; }, Log());
  ASSERT_TRUE(child.WaitFor(seconds(30)));
  EXPECT_TRUE(child.ExitedCleanly());
}

TEST_F(ChildProcessTest, ALogThatCannotBeOpenedIsToldBeforeAnythingStarts) {
  const std::string log = (dir_ / "no-such-directory" / "child.log").string();
  for (bool fork : {false, true}) {
    try {
      if (fork) {
        ChildProcess::Fork("test-child", [] { return 0; }, log);
      } else {
        ChildProcess({"/bin/true"}, log);
      }
      ADD_FAILURE() << "started with a log it cannot write (fork: " << fork << ")";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("(log " + log + "): No such file or directory"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST_F(ChildProcessTest, ForkOrExecStartsTheProgramWhileAnotherThreadRuns) {
  const std::vector<std::string> argv = {"/bin/sh", "-c", "echo the program; exit 3"};
  auto body = [] {
    std::cout << "the fork";
    return 4;
  };
  {
    ChildProcess alone = ChildProcess::ForkOrExec("test-child", argv, body, Log());
    ASSERT_TRUE(alone.WaitFor(seconds(30)));
    EXPECT_EQ(alone.ExitCode(), 4);
    EXPECT_EQ(ReadLog(), "the fork");
  }
  fs::remove(Log());
  std::optional<ChildProcess> beside_a_thread;
  {
    AnotherThread other;
    beside_a_thread.emplace(ChildProcess::ForkOrExec("test-child", argv, body, Log()));
  }
  ASSERT_TRUE(beside_a_thread->WaitFor(seconds(30)));
  EXPECT_EQ(beside_a_thread->ExitCode(), 3);
  EXPECT_EQ(ReadLog(), "the program\n");
}

// A process with its standard input (or output) closed: a descriptor opened for a child must
// not take that number, or the child's set-up would undo it. Each case runs in a fork of its
// own, so that this test's output is left alone.
TEST_F(ChildProcessTest, AChildWritesToItsLogWhenItsParentHasNoStandardInputOrOutput) {
  const std::string log = Log();
  for (int closed : {STDIN_FILENO, STDOUT_FILENO}) {
    for (bool fork : {false, true}) {
      fs::remove(log);
      ChildProcess parent = ChildProcess::Fork(
          "test-parent",
          [closed, fork, &log] {
            ::close(closed);
            ChildProcess child = fork ? ChildProcess::Fork("test-child",
                                                           [] {
                                                             std::cout << "out";
                                                             return 0;
                                                           },
                                                           log)
                                      : ChildProcess({"/bin/sh", "-c", "printf out; cat"}, log);
            return child.WaitFor(seconds(30)) && child.ExitedCleanly() ? 0 : 1;
          },
          "");
      ASSERT_TRUE(parent.WaitFor(seconds(60)));
      EXPECT_EQ(parent.ExitCode(), 0) << "fd " << closed << " closed, fork: " << fork;
      EXPECT_EQ(ReadLog(), "out") << "fd " << closed << " closed, fork: " << fork;
    }
  }
}

// The number of descriptors this process has open.
size_t OpenDescriptors() {
  size_t count = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator("/proc/self/fd")) ++count;
  return count;
}

TEST_F(ChildProcessTest, AProgramThatCannotStartLeavesNoDescriptorBehind) {
  const size_t before = OpenDescriptors();
  for (int i = 0; i < 5; ++i) {
    EXPECT_THROW(ChildProcess({(dir_ / "no-such-program").string()}, Log()), std::runtime_error);
  }
  EXPECT_EQ(OpenDescriptors(), before);
}

TEST_F(ChildProcessTest, WaitForTellsARunningChildFromOneThatHasExited) {
  ChildProcess sleeper({"/bin/sleep", "30"}, Log());
  EXPECT_FALSE(sleeper.WaitFor(milliseconds(50)));
  EXPECT_TRUE(sleeper.Running());
  sleeper.Signal(SIGTERM);
  ASSERT_TRUE(sleeper.WaitFor(seconds(30)));
  EXPECT_EQ(sleeper.Ending(), "killed by signal 15 (Terminated)");
}

}  // namespace
}  // namespace minimr
