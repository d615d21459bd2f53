// AtomicFile (minimr/atomic_file.h), the one writer of files that must appear whole or not at
// all: a hidden temporary name beside the final one, never written through a link, gone unless
// committed.
#include "minimr/atomic_file.h"

#include <glob.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/common/read_file.h"
#include "tests/common/temp_dir.h"

namespace minimr {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;

std::vector<std::string> Glob(const std::string& pattern) {
  glob_t found{};
  std::vector<std::string> paths;
  if (::glob(pattern.c_str(), 0, nullptr, &found) == 0) {
    for (size_t i = 0; i < found.gl_pathc; ++i) paths.emplace_back(found.gl_pathv[i]);
  }
  ::globfree(&found);
  return paths;
}

TEST(AtomicFile, IsWrittenUnderAHiddenNameThatAPatternOfItsNameDoesNotMatch) {
  testing::TempDir dir("atomic-file");
  const std::string path = (dir.path() / "pi.01").string();
  AtomicFile file(path);
  file.Write("31415");
  const fs::path temporary(file.temporary_path());
  EXPECT_EQ(temporary.parent_path(), dir.path());
  EXPECT_EQ(temporary.filename().string().rfind(".pi.01.tmp-", 0), 0u) << temporary;
  EXPECT_TRUE(fs::exists(temporary));
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(Glob((dir.path() / "pi.*").string()).empty()) << "a job's input pattern";

  file.Commit();
  EXPECT_EQ(ReadFile(path), "31415");
  EXPECT_FALSE(fs::exists(temporary));
  EXPECT_EQ(Glob((dir.path() / "pi.*").string()), std::vector<std::string>{path});
}

TEST(AtomicFile, LeavesNothingUnlessCommitted) {
  testing::TempDir dir("atomic-file");
  const std::string path = (dir.path() / "counts.csv").string();
  {
    AtomicFile file(path);
    file.Write("half of it");
  }
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

// A link put at a temporary name (by another user of a shared directory, say) is removed, not
// written through: the file it points at keeps its bytes.
TEST(AtomicFile, NeverWritesThroughALinkAtItsTemporaryName) {
  testing::TempDir dir("atomic-file");
  const std::string path = (dir.path() / "summary.txt").string();
  const fs::path victim = dir.path() / "victim";
  std::ofstream(victim) << "precious";
  std::string probe_name;
  {
    AtomicFile probe(path);
    probe_name = probe.temporary_path();
  }
  // This process's next AtomicFile takes the next number: links there and at the two after.
  const size_t dash = probe_name.rfind('-');
  const uint64_t next = std::stoull(probe_name.substr(dash + 1)) + 1;
  auto name = [&](uint64_t n) { return probe_name.substr(0, dash + 1) + std::to_string(n); };
  for (uint64_t n = next; n < next + 3; ++n) fs::create_symlink(victim, name(n));

  WriteFileAtomically(path, "the summary");
  EXPECT_EQ(ReadFile(path), "the summary");
  EXPECT_EQ(ReadFile(victim), "precious");
  EXPECT_FALSE(fs::exists(fs::symlink_status(name(next)))) << "the writer's own name";
}

TEST(AtomicFile, TwoWritersOfOnePathEachHaveTheirOwnTemporaryFile) {
  testing::TempDir dir("atomic-file");
  const std::string path = (dir.path() / "state.json").string();
  AtomicFile first(path);
  AtomicFile second(path);
  EXPECT_NE(first.temporary_path(), second.temporary_path());
  first.Write("first");
  second.Write("second");
  first.Commit();
  EXPECT_EQ(ReadFile(path), "first");
  second.Commit();
  EXPECT_EQ(ReadFile(path), "second");
  EXPECT_THROW(second.Commit(), std::logic_error);
}

TEST(AtomicFile, GivesAPrivateFileItsMode) {
  testing::TempDir dir("atomic-file");
  const std::string path = (dir.path() / "connection.json").string();
  const mode_t umask_before = ::umask(022);  // a mode of 0666 would give 0644
  WriteFileAtomically(path, "{}", 0600, /*durable=*/false);
  ::umask(umask_before);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

}  // namespace
}  // namespace minimr
