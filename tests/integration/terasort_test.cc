// TeraSort end to end, through real `minimr run`s with two local workers: teragen makes records
// in several map tasks, terasort sorts them with several map and reduce tasks, teravalidate
// passes them; and teravalidate catches part files that were tampered with.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace minimr {
namespace {

namespace fs = std::filesystem;

using testing::Minimr;
using testing::ReadFile;
using testing::ReadPartFiles;
using testing::Result;
using testing::Shell;
using testing::TempDir;

constexpr size_t kRecord = 100;
constexpr int kRecords = 40000;  // 4 MB

std::string Quoted(const fs::path& path) { return "'" + path.string() + "'"; }

// Runs a job file of the repository's configs/ with overrides.
Result RunConfig(const std::string& config, const std::vector<std::string>& overrides) {
  std::string command = Minimr() + " run " + MINIMR_SOURCE_DIR + "/configs/" + config;
  for (const std::string& o : overrides) command += " -D \"" + o + "\"";
  return Shell(command + " 2>&1");
}

// The records of a byte string, one string each.
std::vector<std::string> Records(const std::string& bytes) {
  std::vector<std::string> records;
  for (size_t at = 0; at + kRecord <= bytes.size(); at += kRecord) {
    records.push_back(bytes.substr(at, kRecord));
  }
  return records;
}

std::string Concatenated(const fs::path& dir) {
  std::string all;
  for (const auto& [name, bytes] : ReadPartFiles(dir.string())) all += bytes;
  return all;
}

// One teragen and terasort for every test: 40,000 records made by 3 map tasks into 2 part
// files, sorted by 8 map tasks (512 KiB splits) into 3 part files.
class TeraSortTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("minimr-terasort");
    const fs::path d = dir_->path();
    Result gen = RunConfig("teragen.yaml",
                           {"params.records=" + std::to_string(kRecords), "params.map_tasks=3",
                            "reduce.tasks=2", "output.dir=" + (d / "gen").string()});
    ASSERT_EQ(gen.status, 0) << gen.output;
    Result sort = RunConfig("terasort.yaml", {"input.paths=" + Quoted(d / "gen" / "part-r-*"),
                                              "input.split_size=512KiB", "reduce.tasks=3",
                                              "output.dir=" + (d / "sorted").string()});
    ASSERT_EQ(sort.status, 0) << sort.output;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static fs::path Gen() { return dir_->path() / "gen"; }
  static fs::path Sorted() { return dir_->path() / "sorted"; }

  // teravalidate of the part files in `dir` against the teragen output.
  static Result Validate(const fs::path& dir) {
    return RunConfig("teravalidate.yaml",
                     {"input.paths=" + Quoted(dir / "part-r-*"), "input.split_size=256KiB",
                      "params.generated=" + Gen().string(),
                      "output.dir=" + (dir_->path() / "validate").string()});
  }

  // A copy of the sorted part files to tamper with.
  static fs::path CopyOfSorted(const std::string& name) {
    const fs::path copy = dir_->path() / name;
    fs::create_directories(copy);
    for (const auto& [file, bytes] : ReadPartFiles(Sorted().string())) {
      std::ofstream(copy / file, std::ios::binary) << bytes;
    }
    return copy;
  }

  static void Write(const fs::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
  }

  static TempDir* dir_;
};

TempDir* TeraSortTest::dir_ = nullptr;

TEST_F(TeraSortTest, TeraGenMakesTheRecordsAskedForInRowOrder) {
  const std::vector<std::string> records = Records(Concatenated(Gen()));
  ASSERT_EQ(records.size(), size_t{kRecords});
  EXPECT_EQ(ReadPartFiles(Gen().string()).size(), 2u);
  for (size_t row = 0; row < records.size(); row += 997) {
    char hex[33];
    std::snprintf(hex, sizeof hex, "%032zX", row);
    EXPECT_EQ(records[row].substr(12, 32), hex) << "row " << row;
    EXPECT_EQ(records[row].substr(98), "\r\n");
  }
}

TEST_F(TeraSortTest, TeraGenIsDeterministicFromItsSeed) {
  const fs::path again = dir_->path() / "gen-again";
  const fs::path other = dir_->path() / "gen-other-seed";
  Result same =
      RunConfig("teragen.yaml", {"params.records=" + std::to_string(kRecords), "params.map_tasks=5",
                                 "reduce.tasks=2", "output.dir=" + again.string()});
  ASSERT_EQ(same.status, 0) << same.output;
  Result seeded =
      RunConfig("teragen.yaml", {"params.records=" + std::to_string(kRecords), "params.seed=7",
                                 "reduce.tasks=2", "output.dir=" + other.string()});
  ASSERT_EQ(seeded.status, 0) << seeded.output;
  EXPECT_TRUE(Concatenated(again) == Concatenated(Gen()))
      << "other map task counts must make the same records";
  EXPECT_FALSE(Concatenated(other) == Concatenated(Gen()));
}

TEST_F(TeraSortTest, ConcatenatedPartFilesAreTheInputSorted) {
  std::vector<std::string> expected = Records(Concatenated(Gen()));
  std::sort(expected.begin(), expected.end());
  const std::map<std::string, std::string> parts = ReadPartFiles(Sorted().string());
  ASSERT_EQ(parts.size(), 3u);
  for (const auto& [name, bytes] : parts) {
    // Cut points from a sample split 40,000 records roughly evenly.
    EXPECT_GT(bytes.size(), kRecord * kRecords / 6) << name;
  }
  const std::string sorted = Concatenated(Sorted());
  std::string want;
  for (const std::string& record : expected) want += record;
  EXPECT_TRUE(sorted == want) << "the part files are not the input's records in sorted order";
}

TEST_F(TeraSortTest, TeraValidatePassesTheSortedOutput) {
  Result result = Validate(Sorted());
  EXPECT_EQ(result.status, 0) << result.output;
  EXPECT_NE(result.output.find("teravalidate: OK: 40000 records in order"), std::string::npos)
      << result.output;
}

TEST_F(TeraSortTest, TeraValidateCatchesARecordOutOfOrder) {
  const fs::path copy = CopyOfSorted("swapped");
  std::string part = ReadFile(copy / "part-r-00001");
  // Records 10 and 11 swapped: the same records, the same checksum, one out of order.
  std::string a = part.substr(10 * kRecord, kRecord), b = part.substr(11 * kRecord, kRecord);
  ASSERT_NE(a.substr(0, 10), b.substr(0, 10));
  part.replace(10 * kRecord, kRecord, b);
  part.replace(11 * kRecord, kRecord, a);
  Write(copy / "part-r-00001", part);
  Result result = Validate(copy);
  EXPECT_NE(result.status, 0) << result.output;
  EXPECT_NE(result.output.find((copy / "part-r-00001").string() + ": record 11 (key "),
            std::string::npos)
      << result.output;
}

TEST_F(TeraSortTest, TeraValidateCatchesOrderAcrossPartFiles) {
  const fs::path copy = CopyOfSorted("across");
  std::string first = ReadFile(copy / "part-r-00000");
  std::string second = ReadFile(copy / "part-r-00001");
  // The last record of the first part file moved to the front of the second.
  second = first.substr(first.size() - kRecord) + second.substr(kRecord);
  first =
      first.substr(0, first.size() - kRecord) + ReadFile(copy / "part-r-00001").substr(0, kRecord);
  Write(copy / "part-r-00000", first);
  Write(copy / "part-r-00001", second);
  Result result = Validate(copy);
  EXPECT_NE(result.status, 0) << result.output;
  EXPECT_NE(result.output.find((copy / "part-r-00001").string() + ": record 0 (key "),
            std::string::npos)
      << result.output;
}

TEST_F(TeraSortTest, TeraValidateCatchesAMissingRecord) {
  const fs::path copy = CopyOfSorted("missing");
  std::string part = ReadFile(copy / "part-r-00002");
  part.erase(5 * kRecord, kRecord);  // still in order
  Write(copy / "part-r-00002", part);
  Result result = Validate(copy);
  EXPECT_NE(result.status, 0) << result.output;
  EXPECT_NE(result.output.find("the part files hold 39999 records, but teragen made 40000"),
            std::string::npos)
      << result.output;
}

TEST_F(TeraSortTest, TeraValidateCatchesAChangedRecord) {
  const fs::path copy = CopyOfSorted("changed");
  std::string part = ReadFile(copy / "part-r-00000");
  part[7 * kRecord + 50] = part[7 * kRecord + 50] == 'A' ? 'B' : 'A';  // filler, not the key
  Write(copy / "part-r-00000", part);
  Result result = Validate(copy);
  EXPECT_NE(result.status, 0) << result.output;
  EXPECT_NE(result.output.find("the records' checksum (sum of CRC-32s) is "), std::string::npos)
      << result.output;
}

// teravalidate's verdict is its report: without it a changed record passed with exit 0 (found by
// a hostile test), so --no-report is refused before anything runs.
TEST_F(TeraSortTest, TeraValidateRefusesToRunWithoutItsVerdict) {
  const fs::path out = dir_->path() / "validate-no-report";
  Result result = Shell(Minimr() + " run " + MINIMR_SOURCE_DIR + "/configs/teravalidate.yaml" +
                        " -D \"input.paths=" + Quoted(Sorted() / "part-r-*") +
                        "\" -D params.generated=" + Gen().string() + " -D output.dir=" +
                        out.string() + " --no-report 2>&1");
  EXPECT_EQ(result.status, 2) << result.output;
  EXPECT_NE(result.output.find("--no-report: job 'teravalidate' says in its report whether its "
                               "output is right"),
            std::string::npos)
      << result.output;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(TeraSortTest, TeraSortRefusesInputThatIsNotWholeRecords) {
  const fs::path odd = dir_->path() / "odd";
  fs::create_directories(odd);
  Write(odd / "records", std::string(250, 'x'));
  Result result = RunConfig("terasort.yaml", {"input.paths=" + Quoted(odd / "records"),
                                              "output.dir=" + (dir_->path() / "odd-out").string()});
  EXPECT_NE(result.status, 0) << result.output;
  EXPECT_NE(result.output.find((odd / "records").string() +
                               ": 250 bytes is not a whole number of 100-byte records"),
            std::string::npos)
      << result.output;
}

TEST_F(TeraSortTest, TeraSortRefusesCutPointsForAnotherNumberOfReduceTasks) {
  Result result = RunConfig(
      "terasort.yaml", {"input.paths=" + Quoted(Gen() / "part-r-*"), "params.cut_points=4141,4d4d",
                        "reduce.tasks=4", "output.dir=" + (dir_->path() / "cuts").string()});
  EXPECT_NE(result.status, 0) << result.output;
  EXPECT_NE(result.output.find("params.cut_points: 2 cut points make 3 ranges, but reduce.tasks "
                               "is 4"),
            std::string::npos)
      << result.output;
  EXPECT_FALSE(fs::exists(dir_->path() / "cuts"));
}

TEST_F(TeraSortTest, TeraValidateRefusesSeveralReduceTasksBeforeRunning) {
  Result result =
      RunConfig("teravalidate.yaml", {"input.paths=" + Quoted(Sorted() / "part-r-*"),
                                      "params.generated=" + Gen().string(), "reduce.tasks=2",
                                      "output.dir=" + (dir_->path() / "two").string()});
  EXPECT_NE(result.status, 0) << result.output;
  // From the client, before any task ran (the map tasks would refuse too, after retries).
  EXPECT_NE(result.output.find("job teravalidate: preparing the job: teravalidate checks order "
                               "across all part files in one reduce task: set reduce.tasks: 1 "
                               "(it has 2)"),
            std::string::npos)
      << result.output;
  EXPECT_FALSE(fs::exists(dir_->path() / "two"));
}

TEST_F(TeraSortTest, TeraValidateRefusesAGeneratedDirectoryWithoutJobJson) {
  Result result =
      RunConfig("teravalidate.yaml", {"input.paths=" + Quoted(Sorted() / "part-r-*"),
                                      "params.generated=" + (dir_->path() / "nothing").string(),
                                      "output.dir=" + (dir_->path() / "none").string()});
  EXPECT_NE(result.status, 0) << result.output;
  EXPECT_NE(result.output.find((dir_->path() / "nothing" / "job.json").string() + ": cannot read"),
            std::string::npos)
      << result.output;
}

// Another job's output (terasort's here) for params.generated is named for what it is, not
// compared as a teragen of 0 records with checksum 0.
TEST_F(TeraSortTest, TeraValidateRefusesAGeneratedDirectoryThatIsNotTeragens) {
  Result result =
      RunConfig("teravalidate.yaml", {"input.paths=" + Quoted(Sorted() / "part-r-*"),
                                      "params.generated=" + Sorted().string(),
                                      "output.dir=" + (dir_->path() / "other").string()});
  EXPECT_NE(result.status, 0) << result.output;
  EXPECT_NE(result.output.find("params.generated: " + Sorted().string() +
                               " is not a teragen output: its job.json has no tera.records "
                               "counter"),
            std::string::npos)
      << result.output;
  EXPECT_FALSE(fs::exists(dir_->path() / "other"));
}

TEST_F(TeraSortTest, TeraGenRefusesAnInputSection) {
  Result result = RunConfig("teragen.yaml", {"input.paths=/etc/hostname",
                                             "output.dir=" + (dir_->path() / "no").string()});
  EXPECT_NE(result.status, 0) << result.output;
  EXPECT_NE(result.output.find("job 'teragen' makes its own input and reads no files"),
            std::string::npos)
      << result.output;
}

}  // namespace
}  // namespace minimr
