// ScratchDir (framework/src/runtime/scratch_dir.h): a worker's private directory, gone when the
// worker is, even while a task it did not wait for still writes into it.
#include "framework/src/runtime/scratch_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "tests/common/temp_dir.h"

namespace minimr::runtime {
namespace {

namespace fs = std::filesystem;

std::string Listing(const fs::path& dir) {
  std::string names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names += " " + entry.path().filename().string();
  }
  return names;
}

TEST(ScratchDir, IsRemovedWithEverythingInIt) {
  testing::TempDir parent("scratch");
  std::string path;
  {
    ScratchDir scratch(parent.path().string());
    path = scratch.path();
    fs::create_directories(path + "/plugins/x");
    ::close(::open((path + "/job1-map0").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_EQ(Listing(parent.path()), "");
}

// A worker that exits with a task unfinished removes its directory while the task's thread may
// still make files in it: none of them may keep the directory (without its lock file, which
// the next worker's sweep needs to take it for abandoned).
TEST(ScratchDir, IsRemovedWhileAThreadKeepsMakingFilesInIt) {
  testing::TempDir parent("scratch-busy");
  auto scratch = std::make_unique<ScratchDir>(parent.path().string());
  const std::string path = scratch->path();
  std::atomic<int> made{0};
  std::atomic<bool> stop{false}, ended{false};
  std::thread task([&] {
    for (int i = 0; !stop; ++i) {
      const std::string file = path + "/spill" + std::to_string(i);
      const int fd = ::open(file.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
      if (fd < 0) break;  // the directory is gone from under it, as it should be
      ::close(fd);
      ++made;
    }
    ended = true;
  });
  while (made < 500 && !ended) std::this_thread::yield();
  ASSERT_FALSE(ended) << "the thread could not make its files";
  scratch.reset();
  stop = true;
  task.join();
  EXPECT_EQ(Listing(parent.path()), "") << "after " << made << " files";
}

// A worker killed while it removed its directory leaves it moved aside, without a lock file:
// the next worker's sweep takes that too, and nothing that is not a scratch directory of ours.
TEST(ScratchDir, TheSweepTakesADirectoryLeftWhileItWasBeingRemoved) {
  testing::TempDir parent("scratch-sweep");
  const fs::path left = parent.path() / "minimr-worker-AbC123.removing";
  fs::create_directories(left / "plugins");
  fs::permissions(left, fs::perms::owner_all, fs::perm_options::replace);
  const fs::path other = parent.path() / "minimr-worker-AbC123.removing-not";
  fs::create_directories(other);
  fs::permissions(other, fs::perms::owner_all, fs::perm_options::replace);
  const fs::path users = parent.path() / "minimr-worker-XyZ789.removing";
  fs::create_directories(users);  // not 0700: not one of ours
  fs::permissions(users, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec,
                  fs::perm_options::replace);
  EXPECT_EQ(RemoveAbandonedScratchDirs(parent.path().string()), 1);
  EXPECT_FALSE(fs::exists(left));
  EXPECT_TRUE(fs::exists(other));
  EXPECT_TRUE(fs::exists(users));
}

// A worker killed between mkdtemp and its lock left a directory holding only the lock file it had
// not named yet: swept once that is a minute old (and unlocked), where it stayed for ever. A fresh
// one may be a live worker's, a second from being locked: it stays.
TEST(ScratchDir, TheSweepTakesADirectoryLeftBeforeItsLockWasNamed) {
  testing::TempDir parent("scratch-unnamed");
  // (An empty one: killed before even its lock file was made.)
  auto make = [&](const std::string& name, int age_seconds, bool lock, bool more) {
    const fs::path dir = parent.path() / name;
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
    if (lock) std::ofstream(dir / ".lock.new").close();
    if (more) std::ofstream(dir / "worker.log") << "a file of its own\n";
    const struct timespec times[2] = {{::time(nullptr) - age_seconds, 0},
                                      {::time(nullptr) - age_seconds, 0}};
    ::utimensat(AT_FDCWD, (dir / (lock ? ".lock.new" : "")).c_str(), times, 0);
    return dir;
  };
  const fs::path old = make("minimr-worker-Old123", 120, true, false);
  const fs::path empty = make("minimr-worker-Emp123", 120, false, false);
  const fs::path fresh = make("minimr-worker-New123", 0, true, false);
  const fs::path fresh_empty = make("minimr-worker-NeE123", 0, false, false);
  const fs::path kept = make("minimr-worker-Kpt123", 120, true, true);
  EXPECT_EQ(RemoveAbandonedScratchDirs(parent.path().string()), 2);
  EXPECT_FALSE(fs::exists(old));
  EXPECT_FALSE(fs::exists(empty));
  EXPECT_TRUE(fs::exists(fresh));
  EXPECT_TRUE(fs::exists(fresh_empty));
  EXPECT_TRUE(fs::exists(kept));
}

// Removed while its worker exits with a task unfinished, the directory is gone, and its path is
// still there to read for the task's thread.
TEST(ScratchDir, RemoveLeavesItsPathReadable) {
  testing::TempDir parent("scratch-remove");
  ScratchDir scratch(parent.path().string());
  const std::string path = scratch.path();
  scratch.Remove();
  EXPECT_FALSE(fs::exists(path));
  EXPECT_EQ(scratch.path(), path);
  scratch.Remove();  // and again, as its destructor will
  EXPECT_EQ(Listing(parent.path()), "");
}

}  // namespace
}  // namespace minimr::runtime
