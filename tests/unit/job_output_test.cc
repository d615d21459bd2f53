// The output commit, killed at every step: the output is always the old one whole or the new one
// whole, only the winning attempt's part file is in it, and nothing temporary stays behind.
#include "framework/src/runtime/job_output.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "framework/src/util/atomic_file.h"

namespace minimr::runtime {
namespace {

namespace fs = std::filesystem;
using Files = std::map<std::string, std::string>;

Files ReadDir(const fs::path& dir) {
  Files files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    files[entry.path().filename().string()] = entry.is_directory() ? "<dir>" : text.str();
  }
  return files;
}

class CommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/commit_test.XXXXXX";
    root_ = ::mkdtemp(pattern);
    output_ = root_ / "out";
  }
  void TearDown() override { fs::remove_all(root_); }

  void WriteOldOutput() {
    fs::create_directories(output_);
    WriteFileAtomically((output_ / "part-r-00000").string(), "old\n");
    WriteFileAtomically((output_ / "job.json").string(), "{\"old\": true}\n");
    WriteFileAtomically((output_ / "_SUCCESS").string(), "");
  }

  // Stages a new output: the winning attempt 1 of reduce 0 committed, a killed attempt 0 and a
  // stale temporary left in _temporary.
  std::string Stage() {
    std::string staging = CreateStagingDir(output_.string(), 7);
    WriteFileAtomically(AttemptPartPath(staging, 0, 1), "new\n");
    WriteFileAtomically(AttemptPartPath(staging, 0, 0), "half of an attempt that lost\n");
    std::ofstream(AttemptPartPath(staging, 0, 2) + ".tmp-123") << "half-written";
    CommitTaskOutput(staging, 0, 1);
    return staging;
  }

  // Stages and commits in a child process (a master) that kills itself after step number
  // `kill_after` of the commit (counting from 1).
  void StageAndCommitKilledAfter(int kill_after) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      std::string staging = Stage();
      int step = 0;
      CommitOutput(staging, output_.string(), "{\"new\": true}\n", [&](const char*) {
        if (++step == kill_after) ::raise(SIGKILL);
      });
      ::_exit(0);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    child_ = pid;
  }

  fs::path root_, output_;
  pid_t child_ = 0;
};

const Files kOld = {{"part-r-00000", "old\n"}, {"job.json", "{\"old\": true}\n"}, {"_SUCCESS", ""}};
const Files kNew = {{"part-r-00000", "new\n"}, {"job.json", "{\"new\": true}\n"}, {"_SUCCESS", ""}};

TEST_F(CommitTest, AKillAtAnyStepLeavesTheOldOutputOrTheNewOneWhole) {
  for (int kill_after = 1; kill_after <= 6; ++kill_after) {
    SCOPED_TRACE("killed after step " + std::to_string(kill_after));
    fs::remove_all(output_);
    WriteOldOutput();
    StageAndCommitKilledAfter(kill_after);
    Files now = ReadDir(output_);
    EXPECT_TRUE(now == kOld || now == kNew) << "a mix of old and new, or a partial output";
    if (kill_after > 4) {
      EXPECT_EQ(now, kNew);
    }
    // What the killed master left beside the output is found and removed.
    RemoveAbandonedStagingDirs(output_.string(), child_);
    EXPECT_EQ(ReadDir(root_), (Files{{"out", "<dir>"}}));
  }
}

TEST_F(CommitTest, AKillAtAnyStepOfAFirstCommitLeavesNothingOrTheNewOutput) {
  for (int kill_after = 1; kill_after <= 5; ++kill_after) {
    SCOPED_TRACE("killed after step " + std::to_string(kill_after));
    fs::remove_all(output_);
    StageAndCommitKilledAfter(kill_after);
    if (fs::exists(output_)) {
      EXPECT_EQ(ReadDir(output_), kNew);
    } else {
      EXPECT_LT(kill_after, 4) << "the new output must be in place after step 4";
    }
    RemoveAbandonedStagingDirs(output_.string(), child_);
    Files left = ReadDir(root_);
    left.erase("out");
    EXPECT_TRUE(left.empty());
  }
}

TEST_F(CommitTest, OnlyTheWinningAttemptIsCommitted) {
  WriteOldOutput();
  CommitOutput(Stage(), output_.string(), "{\"new\": true}\n");
  EXPECT_EQ(ReadDir(output_), kNew) << "no _temporary, no losing attempt, no old part file";
  EXPECT_EQ(ReadDir(root_), (Files{{"out", "<dir>"}})) << "the old output is gone";
}

TEST_F(CommitTest, StagingDirectoriesOfLiveMastersAreLeftAlone) {
  std::string mine = CreateStagingDir(output_.string(), 1);
  EXPECT_EQ(RemoveAbandonedStagingDirs(output_.string()), 0);
  EXPECT_TRUE(fs::exists(mine));
  // A dead master's (pid 0x7ffffffe is never a live process here) goes.
  std::string name = fs::path(mine).filename().string();
  fs::path dead = root_ / (".out.minimr-2147483646-1" + name.substr(name.find('@')));
  fs::create_directories(dead / "_temporary");
  EXPECT_EQ(RemoveAbandonedStagingDirs(output_.string()), 1);
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(mine));
}

}  // namespace
}  // namespace minimr::runtime
