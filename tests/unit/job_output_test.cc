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

#include "framework/src/runtime/output_lock.h"
#include "minimr/atomic_file.h"

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

constexpr char kNewJson[] = "{\"output_id\": \"new-id\"}\n";

class CommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/commit_test.XXXXXX";
    root_ = ::mkdtemp(pattern);
    output_ = root_ / "out";
  }
  void TearDown() override { fs::remove_all(root_); }

  // A previous output as minimr commits it: marked, the marker confirmed by its job.json.
  void WriteOldOutput() {
    fs::create_directories(output_);
    WriteFileAtomically((output_ / "part-r-00000").string(), "old\n");
    WriteFileAtomically((output_ / ".minimr-output").string(), "old-id\n");
    WriteFileAtomically((output_ / "job.json").string(), "{\"output_id\": \"old-id\"}\n");
    WriteFileAtomically((output_ / "_SUCCESS").string(), "");
  }

  // Stages a new output: the winning attempt 1 of reduce 0 committed, a killed attempt 0 and a
  // stale temporary left in _temporary.
  std::string Stage() {
    std::string staging = CreateStagingDir(output_.string(), 7);
    WriteFileAtomically(AttemptPartPath(staging, 0, 1), "new\n");
    WriteFileAtomically(AttemptPartPath(staging, 0, 0), "half of an attempt that lost\n");
    const fs::path killed(AttemptPartPath(staging, 0, 2));  // an AtomicFile's, as it was left
    std::ofstream(killed.parent_path() / ("." + killed.filename().string() + ".tmp-123"))
        << "half-written";
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
      const std::string previous = CommitOutput(staging, output_.string(), kNewJson, "new-id",
                                                /*overwrite=*/true, [&](const char*) {
                                                  if (++step == kill_after) ::raise(SIGKILL);
                                                });
      // As the master does, once the job's result is out: the last step.
      if (!previous.empty()) {
        RemoveStagingDir(previous);
        if (++step == kill_after) ::raise(SIGKILL);
      }
      ::_exit(0);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    child_ = pid;
  }

  fs::path root_, output_;
  pid_t child_ = 0;
};

const Files kOld = {{"part-r-00000", "old\n"},
                    {".minimr-output", "old-id\n"},
                    {"job.json", "{\"output_id\": \"old-id\"}\n"},
                    {"_SUCCESS", ""}};
const Files kNew = {{"part-r-00000", "new\n"},
                    {".minimr-output", "new-id\n"},
                    {"job.json", "{\"output_id\": \"new-id\"}\n"},
                    {"_SUCCESS", ""}};

TEST_F(CommitTest, AKillAtAnyStepLeavesTheOldOutputOrTheNewOneWhole) {
  // Steps: temporary files removed, marker, job.json, _SUCCESS, output checked, swapped, old
  // output removed.
  for (int kill_after = 1; kill_after <= 7; ++kill_after) {
    SCOPED_TRACE("killed after step " + std::to_string(kill_after));
    fs::remove_all(output_);
    WriteOldOutput();
    StageAndCommitKilledAfter(kill_after);
    Files now = ReadDir(output_);
    EXPECT_TRUE(now == kOld || now == kNew) << "a mix of old and new, or a partial output";
    if (kill_after > 5) {
      EXPECT_EQ(now, kNew);
    }
    // What the killed master left beside the output is found and removed.
    RemoveAbandonedStagingDirs(output_.string(), child_);
    EXPECT_EQ(ReadDir(root_), (Files{{"out", "<dir>"}}));
  }
}

TEST_F(CommitTest, AKillAtAnyStepOfAFirstCommitLeavesNothingOrTheNewOutput) {
  // Steps: temporary files removed, marker, job.json, _SUCCESS, output checked, in place.
  for (int kill_after = 1; kill_after <= 6; ++kill_after) {
    SCOPED_TRACE("killed after step " + std::to_string(kill_after));
    fs::remove_all(output_);
    StageAndCommitKilledAfter(kill_after);
    if (fs::exists(output_)) {
      EXPECT_EQ(ReadDir(output_), kNew);
    } else {
      EXPECT_LT(kill_after, 6) << "the new output must be in place after step 6";
    }
    RemoveAbandonedStagingDirs(output_.string(), child_);
    Files left = ReadDir(root_);
    left.erase("out");
    EXPECT_TRUE(left.empty());
  }
}

TEST_F(CommitTest, AJobJsonThatNamesAnotherOutputIdIsRefusedBeforeTheSwap) {
  WriteOldOutput();
  EXPECT_THROW((void)CommitOutput(Stage(), output_.string(), kNewJson, "other-id",
                                  /*overwrite=*/true),
               std::logic_error);
  EXPECT_EQ(ReadDir(output_), kOld);
}

TEST_F(CommitTest, OnlyTheWinningAttemptIsCommitted) {
  WriteOldOutput();
  const std::string previous =
      CommitOutput(Stage(), output_.string(), kNewJson, "new-id", /*overwrite=*/true);
  EXPECT_EQ(ReadDir(output_), kNew) << "no _temporary, no losing attempt, no old part file";
  EXPECT_EQ(ReadDir(previous), kOld) << "the old output, whole, for the caller to remove";
  RemoveStagingDir(previous);
  EXPECT_EQ(ReadDir(root_), (Files{{"out", "<dir>"}})) << "the old output is gone";
}

TEST_F(CommitTest, AStagingDirectoryHoldingAStrangersFileIsLeftAsItIs) {
  // As a commit whose swap back failed leaves it: the stranger's files in the staging name.
  const fs::path staging = Stage();
  std::ofstream(staging / "notes.txt") << "not minimr's\n";
  EXPECT_FALSE(RemoveStagingDir(staging.string()));
  EXPECT_EQ(ReadDir(staging).at("notes.txt"), "not minimr's\n");
  fs::remove(staging / "notes.txt");
  EXPECT_TRUE(RemoveStagingDir(staging.string()));
  EXPECT_FALSE(fs::exists(staging));
}

// A master killed while it wrote its record leaves AtomicFile's hidden temporaries (of this
// minimr, ".NAME.tmp-PID-N", and of older ones, "NAME.tmp-PID") beside the record: minimr's own.
TEST_F(CommitTest, AStagingDirectoryWithTheTemporariesOfAKilledCommitIsRemoved) {
  const fs::path staging = Stage();
  for (const char* name : {"..minimr-output.tmp-123-0", ".job.json.tmp-123-1",
                           "._SUCCESS.tmp-123-2", "job.json.tmp-123"}) {
    std::ofstream(staging / name) << "half-written";
  }
  EXPECT_TRUE(RemoveStagingDir(staging.string()));
  EXPECT_FALSE(fs::exists(staging));
}

TEST_F(CommitTest, AFirstCommitLeavesNoPreviousOutputToRemove) {
  EXPECT_EQ(CommitOutput(Stage(), output_.string(), kNewJson, "new-id", /*overwrite=*/false), "");
  EXPECT_EQ(ReadDir(output_), kNew);
  EXPECT_EQ(ReadDir(root_), (Files{{"out", "<dir>"}}));
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

// A user's directory: notes, sources, and a stray file that looks like minimr's.
Files WriteUserDir(const fs::path& dir, const std::string& stray, const std::string& contents) {
  fs::create_directories(dir / "src");
  std::ofstream(dir / "notes.txt") << "my notes\n";
  std::ofstream(dir / "src" / "main.c") << "int main() { return 0; }\n";
  std::ofstream(dir / stray) << contents;
  return ReadDir(dir);
}

TEST_F(CommitTest, ADirectoryMinimrDidNotMakeIsRefusedWhateverItHolds) {
  for (const auto& [stray, contents] : std::map<std::string, std::string>{
           {"_SUCCESS", ""},
           {"job.json", "{\"job\": \"pidigits\"}\n"},
           {".minimr-output", "some-id\n"},  // a marker that no job.json confirms
           {"data.csv", "1,2\n"}}) {
    SCOPED_TRACE(stray);
    fs::remove_all(output_);
    const Files before = WriteUserDir(output_, stray, contents);
    for (bool overwrite : {false, true}) {
      try {
        CheckOutputDir(output_.string(), overwrite);
        ADD_FAILURE() << "accepted";
      } catch (const OutputDirError& e) {
        EXPECT_NE(std::string(e.what()).find(output_.string() +
                                             " is a non-empty directory that minimr did not make"),
                  std::string::npos)
            << e.what();
      }
    }
    EXPECT_EQ(ReadDir(output_), before);
  }
}

TEST_F(CommitTest, MinimrsOwnOutputIsReplacedOnlyWhenTheJobSaysSo) {
  WriteOldOutput();
  try {
    CheckOutputDir(output_.string(), /*overwrite=*/false);
    ADD_FAILURE() << "accepted";
  } catch (const OutputDirError& e) {
    EXPECT_NE(std::string(e.what()).find("set output.overwrite: true"), std::string::npos)
        << e.what();
  }
  EXPECT_NO_THROW(CheckOutputDir(output_.string(), /*overwrite=*/true));
  EXPECT_EQ(OutputIdOf(output_.string()), "old-id");
}

// Why a directory is not minimr's output, for `minimr report`: a job.json cut short is not "no
// marker".
TEST_F(CommitTest, WhyADirectoryIsNotAnOutputIsSaid) {
  WriteOldOutput();
  std::string why;
  EXPECT_EQ(OutputIdOf(output_.string(), &why), "old-id");
  WriteFileAtomically((output_ / "job.json").string(), "{\"output_id\": \"ol");
  EXPECT_EQ(OutputIdOf(output_.string(), &why), "");
  EXPECT_EQ(why.rfind("its job.json is malformed (cut short?): ", 0), 0u) << why;
  WriteFileAtomically((output_ / "job.json").string(), "{\"output_id\": \"other\"}");
  EXPECT_EQ(OutputIdOf(output_.string(), &why), "");
  EXPECT_EQ(why, "its job.json does not name the output id of its .minimr-output marker");
  fs::remove(output_ / "job.json");
  EXPECT_EQ(OutputIdOf(output_.string(), &why), "");
  EXPECT_EQ(why, "it has no readable job.json");
  fs::remove(output_ / ".minimr-output");
  EXPECT_EQ(OutputIdOf(output_.string(), &why), "");
  EXPECT_EQ(why, "it has no readable .minimr-output marker");
}

TEST_F(CommitTest, AMissingOrEmptyDirectoryMayBeWritten) {
  EXPECT_NO_THROW(CheckOutputDir((root_ / "a" / "b" / "out").string(), false));
  EXPECT_TRUE(fs::is_directory(root_ / "a" / "b")) << "the parent is made";
  fs::create_directories(output_);
  EXPECT_NO_THROW(CheckOutputDir(output_.string(), false));
  RemoveStagingDir(CommitOutput(Stage(), output_.string(), kNewJson, "new-id",
                                /*overwrite=*/false));
  EXPECT_EQ(ReadDir(output_), kNew);
  EXPECT_EQ(ReadDir(root_), (Files{{"a", "<dir>"}, {"out", "<dir>"}}))
      << "the empty directory it replaced is gone";
}

TEST_F(CommitTest, AFileOrALinkIsRefused) {
  std::ofstream(output_) << "a file";
  EXPECT_THROW(CheckOutputDir(output_.string(), true), OutputDirError);
  fs::remove(output_);
  fs::create_directories(root_ / "elsewhere");
  fs::create_directory_symlink(root_ / "elsewhere", output_);
  EXPECT_THROW(CheckOutputDir(output_.string(), true), OutputDirError);
}

// A mount point (here /proc, one on every Linux system) cannot be swapped with the job's output:
// refused before the job runs, with what to give instead, not once the job has run.
TEST_F(CommitTest, AMountPointIsRefusedForWhatItIs) {
  try {
    CheckOutputDir("/proc", true);
    ADD_FAILURE() << "accepted";
  } catch (const OutputDirError& e) {
    EXPECT_NE(std::string(e.what()).find("output.dir /proc is a mount point, which minimr cannot "
                                          "replace with the job's output (a new directory); give "
                                          "a directory inside it, such as /proc/out"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(CommitTest, TheCommitLooksAgainAndLeavesADirectoryThatAppearedMeanwhile) {
  const std::string staging = Stage();
  const Files before = WriteUserDir(output_, "_SUCCESS", "");
  EXPECT_THROW(CommitOutput(staging, output_.string(), kNewJson, "new-id", /*overwrite=*/true),
               OutputDirError);
  EXPECT_EQ(ReadDir(output_), before);
}

TEST_F(CommitTest, FilesThatArriveAfterTheLastLookAreSwappedBack) {
  fs::create_directories(output_);  // empty: the commit swaps it out
  const std::string staging = Stage();
  Files before;
  try {
    (void)CommitOutput(staging, output_.string(), kNewJson, "new-id", /*overwrite=*/true,
                       [&](const char* step) {
                         if (std::string(step) == "output checked") {
                           before = WriteUserDir(output_, "_SUCCESS", "");
                         }
                       });
    ADD_FAILURE() << "committed over a stranger's files";
  } catch (const OutputDirError& e) {
    EXPECT_NE(std::string(e.what()).find("gained files that minimr did not write"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(ReadDir(output_), before);
}

TEST_F(CommitTest, AnAbandonedStagingNameHoldingOtherFilesIsLeftAlone) {
  // What a master killed between its swap and swapping a stranger's files back would leave.
  std::string name = fs::path(CreateStagingDir(output_.string(), 1)).filename().string();
  fs::path dead = root_ / (".out.minimr-2147483646-1" + name.substr(name.find('@')));
  const Files before = WriteUserDir(dead, "_SUCCESS", "");
  EXPECT_EQ(RemoveAbandonedStagingDirs(output_.string()), 0);
  EXPECT_EQ(ReadDir(dead), before);
}

TEST(OutputLockTest, OneHolderAtATimeAndTheSecondIsToldWho) {
  char pattern[] = "/tmp/output_lock_test.XXXXXX";
  const fs::path root = ::mkdtemp(pattern);
  const std::string out = (root / "out").string();
  {
    OutputLock first(out);
    EXPECT_EQ(first.path(), (root / ".out.minimr-lock").string());
    try {
      OutputLock second(out);
      ADD_FAILURE() << "locked twice";
    } catch (const OutputBusy& e) {
      EXPECT_NE(
          std::string(e.what()).find("output " + out + " is being written by another job (pid " +
                                     std::to_string(::getpid()) + " on "),
          std::string::npos)
          << e.what();
    }
  }
  EXPECT_NO_THROW(OutputLock again(out)) << "released with its holder";
  fs::remove_all(root);
}

TEST(OutputLockTest, TheLockFileHoldsOnlyItsHolderOverALongerLastOne) {
  char pattern[] = "/tmp/output_lock_test.XXXXXX";
  const fs::path root = ::mkdtemp(pattern);
  const std::string out = (root / "out").string();
  const fs::path lock_file = root / ".out.minimr-lock";
  std::ofstream(lock_file) << "pid 4000000 on a-last-holder-with-a-much-longer-host-name\n"
                           << std::string(300, 'x') << "\n";
  {
    OutputLock lock(out);
    std::ifstream in(lock_file);
    std::stringstream text;
    text << in.rdbuf();
    char host[256] = "localhost";
    ::gethostname(host, sizeof host - 1);
    EXPECT_EQ(text.str(), "pid " + std::to_string(::getpid()) + " on " + host + "\n");
  }
  fs::remove_all(root);
}

}  // namespace
}  // namespace minimr::runtime
