#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "pidigits/kanada_files.h"
#include "pidigits/pi_generator.h"
#include "tests/common/read_file.h"

namespace minimr::pidigits {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;

constexpr char kPi50[] = "14159265358979323846264338327950288419716939937510";

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "pi_generator_test.XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string WithoutWhitespace(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c != ' ' && c != '\n') out.push_back(c);
  }
  return out;
}

std::vector<std::string> FileNamesIn(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(ComputePiDigitsTest, FirstFiftyDigitsAreKnown) { EXPECT_EQ(ComputePiDigits(50), kPi50); }

TEST(ComputePiDigitsTest, FirstMillionDigitsHavePublishedDigitCounts) {
  const std::string digits = ComputePiDigits(1000000);
  ASSERT_EQ(digits.size(), 1000000u);
  std::array<int, 10> counts{};
  for (char c : digits) {
    ASSERT_TRUE(c >= '0' && c <= '9');
    ++counts[c - '0'];
  }
  const std::array<int, 10> published = {99959,  99758, 100026, 100229, 100230,
                                         100359, 99548, 99800,  99985,  100106};
  EXPECT_EQ(counts, published);
  EXPECT_EQ(digits.substr(0, 50), kPi50);
  EXPECT_EQ(digits.substr(999990), "5779458151");  // the millionth digit is 1
}

TEST(ComputePiDigitsTest, LongerRunsExtendShorterOnes) {
  for (uint64_t d : {1, 2, 13, 14, 15, 100}) {
    const std::string shorter = ComputePiDigits(d);
    ASSERT_EQ(shorter.size(), d);
    for (uint64_t k : {1, 2, 17, 1000}) {
      EXPECT_EQ(ComputePiDigits(d + k).substr(0, d), shorter) << "D=" << d << " k=" << k;
    }
    if (d <= 50) {
      EXPECT_EQ(shorter, std::string(kPi50, d));
    }
  }
}

TEST(ComputePiDigitsTest, ReportsEachPhaseInOrderEndingAtOne) {
  std::vector<std::pair<std::string, double>> calls;
  ComputePiDigits(20000, [&](std::string_view phase, double fraction) {
    calls.emplace_back(std::string(phase), fraction);
  });
  std::vector<std::string> ended;
  for (const auto& [phase, fraction] : calls) {
    EXPECT_GE(fraction, 0.0);
    EXPECT_LE(fraction, 1.0);
    if (fraction == 1.0 && (ended.empty() || ended.back() != phase)) ended.push_back(phase);
  }
  const std::vector<std::string> phases = {"series", "square root", "division", "decimal"};
  EXPECT_EQ(ended, phases);
  EXPECT_EQ(calls.back(), std::make_pair(std::string("decimal"), 1.0));
}

TEST(ComputePiDigitsTest, RejectsZeroDigits) {
  EXPECT_THROW(ComputePiDigits(0), std::invalid_argument);
}

TEST(KanadaFileNameTest, UsesTheSuffixTheSizeCallsForWhenExact) {
  EXPECT_EQ(KanadaFileName(200000000, 1, 20), "pi200m.ascii.01of20");
  EXPECT_EQ(KanadaFileName(10000, 1, 1), "pi10k.ascii.01of01");
  EXPECT_EQ(KanadaFileName(150000000, 12, 12), "pi150m.ascii.12of12");
  EXPECT_EQ(KanadaFileName(2000000000, 3, 5), "pi2b.ascii.03of05");
  EXPECT_EQ(KanadaFileName(1000, 1, 2), "pi1k.ascii.01of02");
}

TEST(KanadaFileNameTest, WritesNonRoundTotalsInFull) {
  EXPECT_EQ(KanadaFileName(1500000, 1, 4), "pi1500000.ascii.01of04");
  EXPECT_EQ(KanadaFileName(1234567, 2, 4), "pi1234567.ascii.02of04");
  EXPECT_EQ(KanadaFileName(999, 1, 1), "pi999.ascii.01of01");
}

TEST(KanadaFileNameTest, PadsIndexToTheWidthOfFiles) {
  EXPECT_EQ(KanadaFileName(1000000, 7, 100), "pi1m.ascii.007of100");
  EXPECT_EQ(KanadaFileName(1000000, 100, 100), "pi1m.ascii.100of100");
  EXPECT_EQ(KanadaFileName(1000000, 1, 9), "pi1m.ascii.01of09");
}

TEST(KanadaFileNameTest, RejectsIndexOutOfRange) {
  EXPECT_THROW(KanadaFileName(1000, 0, 2), std::invalid_argument);
  EXPECT_THROW(KanadaFileName(1000, 3, 2), std::invalid_argument);
}

TEST(WriteKanadaFilesTest, LaysOutGroupsOfTenAndLinesOfHundred) {
  TempDir dir;
  const std::string digits =
      "1415926535897932384626433832795028841971693993751058209749445923078164062862089986"
      "2803482534211706798214808651328230664709384";  // 125 digits
  ASSERT_EQ(digits.size(), 125u);
  const std::vector<std::string> paths = WriteKanadaFiles(digits, 1, dir.path());
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0], dir.path() + "/pi125.ascii.01of01");
  EXPECT_EQ(ReadFile(paths[0]),
            "1415926535 8979323846 2643383279 5028841971 6939937510 "
            "5820974944 5923078164 0628620899 8628034825 3421170679\n"
            "8214808651 3282306647 09384\n");
}

TEST(WriteKanadaFilesTest, EndsAFullLastLineWithoutASpace) {
  TempDir dir;
  const std::string digits = ComputePiDigits(200);
  const std::vector<std::string> paths = WriteKanadaFiles(digits, 2, dir.path());
  ASSERT_EQ(paths.size(), 2u);
  const std::string first = ReadFile(paths[0]);
  ASSERT_EQ(first.size(), 110u);  // 100 digits, 9 spaces, 1 newline
  EXPECT_EQ(first.substr(99), "3421170679\n");
  EXPECT_EQ(ReadFile(paths[1]).substr(0, 11), "8214808651 ");
}

TEST(WriteKanadaFilesTest, SplitsEvenlyAndConcatenatesBackToTheInput) {
  TempDir dir;
  const std::string digits = ComputePiDigits(1001);
  std::vector<double> fractions;
  const std::vector<std::string> paths = WriteKanadaFiles(
      digits, 3, dir.path() + "/new/sub", [&](double f) { fractions.push_back(f); });
  ASSERT_EQ(paths.size(), 3u);
  EXPECT_EQ(fs::path(paths[2]).filename(), "pi1001.ascii.03of03");
  std::string joined;
  std::vector<size_t> sizes;
  for (const std::string& path : paths) {
    const std::string text = ReadFile(path);
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n');
    sizes.push_back(WithoutWhitespace(text).size());
    joined += WithoutWhitespace(text);
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{333, 334, 334}));
  EXPECT_EQ(joined, digits);
  EXPECT_EQ(fractions, (std::vector<double>{1.0 / 3, 2.0 / 3, 1.0}));
}

TEST(WriteKanadaFilesTest, LeavesOnlyFinalNamesAndReplacesOldFiles) {
  TempDir dir;
  WriteKanadaFiles("1234567890", 2, dir.path());
  WriteKanadaFiles("0987654321", 2, dir.path());
  EXPECT_EQ(FileNamesIn(dir.path()),
            (std::vector<std::string>{"pi10.ascii.01of02", "pi10.ascii.02of02"}));
  EXPECT_EQ(ReadFile(dir.path() + "/pi10.ascii.01of02"), "09876\n");
}

TEST(WriteKanadaFilesTest, MakesEmptyFilesForPartsWithNoDigits) {
  TempDir dir;
  const std::vector<std::string> paths = WriteKanadaFiles("141", 5, dir.path());
  ASSERT_EQ(paths.size(), 5u);
  std::string joined;
  for (const std::string& path : paths) joined += ReadFile(path);
  EXPECT_EQ(ReadFile(paths[0]), "");
  EXPECT_EQ(joined, "1\n4\n1\n");
}

TEST(WriteKanadaFilesTest, ThrowsNamingTheDirectoryItCannotWrite) {
  TempDir dir;
  const std::string blocker = dir.path() + "/a_file";
  std::ofstream(blocker) << "not a directory";
  const std::string target = blocker + "/digits";
  try {
    WriteKanadaFiles("14159", 1, target);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(target), std::string::npos) << e.what();
  }
}

TEST(WriteKanadaFilesTest, RejectsFewerThanOneFile) {
  TempDir dir;
  EXPECT_THROW(WriteKanadaFiles("14159", 0, dir.path()), std::invalid_argument);
}

}  // namespace
}  // namespace minimr::pidigits
