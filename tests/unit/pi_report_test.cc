#include "pidigits/pi_report.h"

#include <stdlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "minimr/chi_square.h"
#include "tests/common/read_file.h"

namespace minimr::pidigits {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;

bool IsPng(const fs::path& path) { return ReadFile(path).compare(0, 8, "\x89PNG\r\n\x1a\n") == 0; }

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// k in 0..99 as two digits.
std::string Key2(int k) {
  return {static_cast<char>('0' + k / 10), static_cast<char>('0' + k % 10)};
}

// Sets an environment variable for the life of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class PiReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "pi_report_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  void WriteFile(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }

  // The error the n = 2 report of dir_ fails with; a test failure, and "", if it does not.
  std::string ReportError() {
    std::ostringstream out;
    try {
      WritePiReport({dir_.string(), 2, std::nullopt}, out);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    ADD_FAILURE() << "no error";
    return "";
  }

  // The n = 2 output used by most tests: every pair counted 100 times except
  // 00 (90), 37 (130) and 73 (80), so the total stays 10,000. Even keys go in descending
  // order into part-r-00000, odd keys into part-r-00001.
  void WritePairOutput() {
    std::string even, odd;
    for (int k = 99; k >= 0; --k) {
      const int count = k == 0 ? 90 : k == 37 ? 130 : k == 73 ? 80 : 100;
      (k % 2 == 0 ? even : odd) += Key2(k) + "\t" + std::to_string(count) + "\n";
    }
    WriteFile("part-r-00000", even);
    WriteFile("part-r-00001", odd);
  }

  std::vector<std::string> TempFilesLeft() const {
    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(dir_)) {
      const std::string name = e.path().filename().string();
      if (name.find(".tmp") != std::string::npos) left.push_back(name);
    }
    return left;
  }

  fs::path dir_;
};

TEST_F(PiReportTest, ComputesTheTestsOfPairCounts) {
  WritePairOutput();
  std::ostringstream out;
  const PiReportResult r = WritePiReport({dir_.string(), 2, std::nullopt}, out);

  EXPECT_EQ(r.part_files, 2u);
  EXPECT_EQ(r.keys_present, 100u);
  ASSERT_EQ(r.keys, 100u);
  EXPECT_EQ(r.Count(37), 130u);
  EXPECT_EQ(r.sequences.total, 10'000u);
  EXPECT_DOUBLE_EQ(r.sequences.expected, 100.0);
  // (10^2 + 30^2 + 20^2) / 100
  EXPECT_NEAR(r.sequences.statistic, 14.0, 1e-12);
  EXPECT_EQ(r.sequences.dof, 99u);
  EXPECT_EQ(r.sequences.max_category, 37u);
  EXPECT_NEAR(r.sequences.max_z, 30 / std::sqrt(99.0), 1e-12);
  // First digits, summed over the second: 990 for 0, 1030 for 3, 980 for 7, else 1000;
  // psi2_1 = (10^2 + 30^2 + 20^2) / 1000 = 1.4.
  ASSERT_TRUE(r.serial.has_value());
  EXPECT_NEAR(r.serial->psi2, 14.0, 1e-12);
  EXPECT_NEAR(r.serial->psi2_prev, 1.4, 1e-12);
  EXPECT_NEAR(r.serial->statistic, 12.6, 1e-12);
  EXPECT_EQ(r.serial->dof, 90u);
  EXPECT_FALSE(r.digit_test.has_value());
  EXPECT_FALSE(r.digits.has_value());
}

TEST_F(PiReportTest, WritesCountsCsvForEveryKeyInOrder) {
  WritePairOutput();
  std::ostringstream out;
  WritePiReport({dir_.string(), 2, std::nullopt}, out);

  const std::vector<std::string> lines = Lines(ReadFile(dir_ / "counts.csv"));
  ASSERT_EQ(lines.size(), 101u);
  EXPECT_EQ(lines[0], "key,count,expected,z");
  // z = (count - 100) / sqrt(100 * (1 - 1/100)) = (count - 100) / 9.94987...
  EXPECT_EQ(lines[1], "00,90,100,-1.0050");
  EXPECT_EQ(lines[2], "01,100,100,0.0000");
  EXPECT_EQ(lines[38], "37,130,100,3.0151");
  EXPECT_EQ(lines[74], "73,80,100,-2.0101");
  EXPECT_EQ(lines[100], "99,100,100,0.0000");
}

TEST_F(PiReportTest, PrintsAndWritesTheSameSummary) {
  WritePairOutput();
  std::ostringstream out;
  const PiReportResult r = WritePiReport({dir_.string(), 2, std::nullopt}, out);

  const std::string summary = out.str();
  EXPECT_EQ(summary, r.summary);
  EXPECT_EQ(ReadFile(dir_ / "summary.txt"), summary);
  EXPECT_NE(summary.find("10,000"), std::string::npos) << summary;
  EXPECT_NE(summary.find("100 of 100"), std::string::npos) << summary;
  EXPECT_NE(summary.find("14.00"), std::string::npos) << summary;
  EXPECT_NE(summary.find("12.60"), std::string::npos) << summary;
  EXPECT_NE(summary.find("Good's serial test"), std::string::npos) << summary;
  EXPECT_NE(summary.find("+3.02"), std::string::npos) << summary;
  EXPECT_NE(summary.find((dir_ / "pairs.png").string()), std::string::npos) << summary;
  EXPECT_EQ(summary.find("digits.png"), std::string::npos) << summary;
}

TEST_F(PiReportTest, DrawsPairHeatmapAndDigitPlotWhenDigitCountsAreKnown) {
  WritePairOutput();
  std::array<uint64_t, 10> digits;
  digits.fill(1000);
  digits[3] = 1031;
  digits[7] = 980;
  digits[0] = 990;
  std::ostringstream out;
  const PiReportResult r = WritePiReport({dir_.string(), 2, digits}, out);

  EXPECT_EQ(r.pairs_plot, (dir_ / "pairs.png").string());
  EXPECT_EQ(r.digits_plot, (dir_ / "digits.png").string());
  EXPECT_TRUE(IsPng(dir_ / "pairs.png"));
  EXPECT_TRUE(IsPng(dir_ / "digits.png"));
  ASSERT_TRUE(r.digits.has_value());
  EXPECT_EQ(*r.digits, 10'001u);
  ASSERT_TRUE(r.digit_test.has_value());
  EXPECT_EQ(r.digit_test->total, 10'001u);
  EXPECT_EQ(r.digit_test->max_category, 3u);
  EXPECT_NE(out.str().find("10,001"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("chi-square, 1 digit"), std::string::npos) << out.str();
  EXPECT_TRUE(TempFilesLeft().empty());
}

TEST_F(PiReportTest, DrawsSvgPlotsWhenAskedAndListsThemInTheSummary) {
  WritePairOutput();
  std::array<uint64_t, 10> digits;
  digits.fill(1000);
  std::ostringstream out;
  const PiReportResult r = WritePiReport({dir_.string(), 2, digits, report::PlotFormat::kSvg}, out);

  EXPECT_EQ(r.pairs_plot, (dir_ / "pairs.svg").string());
  EXPECT_EQ(r.digits_plot, (dir_ / "digits.svg").string());
  for (const char* name : {"pairs.svg", "digits.svg"}) {
    EXPECT_EQ(ReadFile(dir_ / name).rfind("<?xml", 0), 0u) << name;
    EXPECT_NE(r.summary.find((dir_ / name).string()), std::string::npos) << r.summary;
  }
  EXPECT_FALSE(fs::exists(dir_ / "pairs.png"));
  EXPECT_FALSE(fs::exists(dir_ / "digits.png"));
  EXPECT_TRUE(TempFilesLeft().empty());
}

TEST_F(PiReportTest, CountsMissingKeysAsZeroForSingleDigits) {
  WriteFile("part-r-00000", "7\t12\n1\t10\n");
  WriteFile("part-r-00001", "0\t9\n9\t11\n");  // no 2..6, no 8
  WriteFile("_SUCCESS", "");
  WriteFile("part-r-00002.tmp", "garbage");  // not a part file
  std::ostringstream out;
  const PiReportResult r = WritePiReport({dir_.string(), 1, std::nullopt}, out);

  EXPECT_EQ(r.keys_present, 4u);
  EXPECT_EQ(r.sequences.total, 42u);
  ASSERT_TRUE(r.digits.has_value());
  EXPECT_EQ(*r.digits, 42u);
  EXPECT_FALSE(r.serial.has_value());
  const std::vector<std::string> lines = Lines(ReadFile(dir_ / "counts.csv"));
  ASSERT_EQ(lines.size(), 11u);
  EXPECT_EQ(lines[3], "2,0,4.2,-2.1602");  // -4.2 / sqrt(4.2 * 0.9)
  EXPECT_EQ(lines[8], "7,12,4.2,4.0119");
  EXPECT_TRUE(IsPng(dir_ / "digits.png"));
  EXPECT_FALSE(fs::exists(dir_ / "pairs.png"));
}

TEST_F(PiReportTest, NamesFileAndLineOfAMalformedPartFile) {
  struct Case {
    std::string bad_line;
    std::string why;
  };
  const std::vector<Case> cases = {
      {"3a\t100", "non-digit in key"},
      {"377\t100", "key of 3 characters, not 2"},
      {"37 100", "no tab"},
      {"37\t12x", "bad count"},
      {"37\t-5", "bad count"},
      {"37\t", "bad count"},
      {"37\t99999999999999999999999", "bad count"},
      {"", "no tab"},
      {"00\t5", "key 00 repeated"},
  };
  for (const Case& c : cases) {
    WriteFile("part-r-00000", "00\t5\n01\t7\n");
    WriteFile("part-r-00001", "02\t5\n04\t9\n" + c.bad_line + "\n05\t1\n");
    std::ostringstream out;
    try {
      WritePiReport({dir_.string(), 2, std::nullopt}, out);
      ADD_FAILURE() << "no error for " << c.bad_line;
    } catch (const std::runtime_error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find((dir_ / "part-r-00001").string() + ":3: "), std::string::npos) << what;
      EXPECT_NE(what.find(c.why), std::string::npos) << what;
    }
  }
}

TEST_F(PiReportTest, NamesTheLineOfAKeyRepeatedAcrossPartFiles) {
  // Three part files: on two cores one thread reads the first and the third.
  WriteFile("part-r-00000", "00\t5\n01\t7\n");
  WriteFile("part-r-00001", "02\t5\n04\t9\n");
  WriteFile("part-r-00002", "05\t1\n01\t3\n");
  const std::string what = ReportError();
  EXPECT_NE(what.find((dir_ / "part-r-00002").string() + ":2: key 01 repeated"), std::string::npos) << what;
}

TEST_F(PiReportTest, ReadsCountsOfTwentyDigitsAndLinesLongerThanItsBuffer) {
  WriteFile("part-r-00000", "00\t10000000000000000000\n01\t00000000000000000000007\n02\t" +
                                std::string(3 << 20, '0') + "5\n");
  std::ostringstream out;
  const PiReportResult result = WritePiReport({dir_.string(), 2, std::nullopt}, out);
  EXPECT_EQ(result.Count(0), 10000000000000000000u);
  EXPECT_EQ(result.Count(1), 7u);
  EXPECT_EQ(result.Count(2), 5u);
}

TEST_F(PiReportTest, FailsWhenThereAreNoPartFiles) {
  WriteFile("_SUCCESS", "");
  const std::string what = ReportError();
  EXPECT_NE(what.find("no part-r-* files in " + dir_.string()), std::string::npos) << what;
  std::ostringstream out;
  EXPECT_THROW(WritePiReport({(dir_ / "missing").string(), 2, std::nullopt}, out),
               std::runtime_error);
}

TEST_F(PiReportTest, FailsWhenAllCountsAreZero) {
  WriteFile("part-r-00000", "0\t0\n");
  std::ostringstream out;
  EXPECT_THROW(WritePiReport({dir_.string(), 1, std::nullopt}, out), std::runtime_error);
}

TEST_F(PiReportTest, RejectsASequenceLengthOutsideOneToEight) {
  WritePairOutput();
  std::ostringstream out;
  EXPECT_THROW(WritePiReport({dir_.string(), 0, std::nullopt}, out), std::invalid_argument);
  EXPECT_THROW(WritePiReport({dir_.string(), 9, std::nullopt}, out), std::invalid_argument);
}

TEST_F(PiReportTest, SaysSoWhenGnuplotIsNotInstalledAndLeavesNoPartialPng) {
  WritePairOutput();
  const fs::path empty_bin = dir_ / "bin";
  fs::create_directory(empty_bin);
  ScopedEnv path("PATH", empty_bin.string());
  const std::string what = ReportError();
  EXPECT_NE(what.find("gnuplot is not installed"), std::string::npos) << what;
  EXPECT_FALSE(fs::exists(dir_ / "pairs.png"));
  EXPECT_TRUE(TempFilesLeft().empty());
}

TEST_F(PiReportTest, QuotesGnuplotWhenItFails) {
  WritePairOutput();
  // A stand-in gnuplot that fails the way the real one does on a bad script, and one that
  // succeeds without drawing anything.
  const fs::path bin = dir_ / "bin";
  fs::create_directory(bin);
  const fs::path fake = bin / "gnuplot";
  std::ofstream(fake) << "#!/bin/sh\necho 'line 7: unexpected or unrecognized token' >&2\n"
                         "exit 1\n";
  fs::permissions(fake, fs::perms::owner_all);
  {
    ScopedEnv path("PATH", bin.string());
    const std::string what = ReportError();
    EXPECT_NE(what.find("exit status 1"), std::string::npos) << what;
    EXPECT_NE(what.find("unrecognized token"), std::string::npos) << what;
    EXPECT_NE(what.find((dir_ / "pairs.png").string()), std::string::npos) << what;
    std::ofstream(fake) << "#!/bin/sh\nexit 0\n";
    std::ostringstream out;
    EXPECT_THROW(WritePiReport({dir_.string(), 2, std::nullopt}, out), std::runtime_error);
  }
  EXPECT_FALSE(fs::exists(dir_ / "pairs.png"));
  EXPECT_TRUE(TempFilesLeft().empty());
}

// Three-digit counts with gaps: key k counted (k * 7919) % 13 times, so about one key in 13 is
// absent, in two part files in no particular order.
std::vector<uint64_t> WriteSparseTripleOutput(
    const std::function<void(const std::string&, const std::string&)>& write) {
  std::vector<uint64_t> counts(1000);
  std::string a, b;
  for (int k = 999; k >= 0; --k) {
    counts[k] = (static_cast<uint64_t>(k) * 7919) % 13;
    if (counts[k] == 0) continue;
    char key[4];
    std::snprintf(key, sizeof key, "%03d", k);
    (k % 3 == 0 ? a : b) += std::string(key) + "\t" + std::to_string(counts[k]) + "\n";
  }
  write("part-r-00000", a);
  write("part-r-00001", b);
  return counts;
}

TEST_F(PiReportTest, TestsOfKeysPresentEqualTheTestsOfAllKeys) {
  const std::vector<uint64_t> counts = WriteSparseTripleOutput(
      [&](const std::string& name, const std::string& text) { WriteFile(name, text); });
  std::ostringstream out;
  const PiReportResult r = WritePiReport({dir_.string(), 3, std::nullopt}, out);

  const report::ChiSquareResult dense = report::ChiSquareUniform(counts);
  EXPECT_EQ(r.sequences.total, dense.total);
  EXPECT_DOUBLE_EQ(r.sequences.expected, dense.expected);
  EXPECT_NEAR(r.sequences.statistic, dense.statistic, 1e-9 * dense.statistic);
  EXPECT_EQ(r.sequences.dof, dense.dof);
  EXPECT_NEAR(r.sequences.p_value, dense.p_value, 1e-12);
  EXPECT_EQ(r.sequences.max_category, dense.max_category);
  EXPECT_DOUBLE_EQ(r.sequences.max_z, dense.max_z);
  std::vector<uint64_t> shorter(100);
  for (size_t i = 0; i < counts.size(); ++i) shorter[i / 10] += counts[i];
  const report::SerialTestResult serial = report::GoodSerialTest(counts, shorter);
  ASSERT_TRUE(r.serial.has_value());
  EXPECT_NEAR(r.serial->statistic, serial.statistic, 1e-9 * serial.psi2);
  EXPECT_EQ(r.serial->dof, serial.dof);
  for (int k : {0, 1, 13, 500, 999}) EXPECT_EQ(r.Count(k), counts[k]) << k;
}

TEST_F(PiReportTest, CountsCsvListsOnlyTheKeysPresentBeyondTwoDigits) {
  const std::vector<uint64_t> counts = WriteSparseTripleOutput(
      [&](const std::string& name, const std::string& text) { WriteFile(name, text); });
  const size_t present = counts.size() - std::count(counts.begin(), counts.end(), 0u);
  ASSERT_LT(present, 1000u);
  std::ostringstream out;
  const PiReportResult r = WritePiReport({dir_.string(), 3, std::nullopt}, out);
  EXPECT_EQ(r.keys, 1000u);
  EXPECT_EQ(r.keys_present, present);
  const std::vector<std::string> lines = Lines(ReadFile(dir_ / "counts.csv"));
  ASSERT_EQ(lines.size(), present + 1);
  EXPECT_EQ(lines[1].substr(0, 4), "001,") << "key 000 counts 0 and is not listed";
  EXPECT_NE(out.str().find(std::to_string(present) + " of 1,000"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("counts.csv lists the keys present only"), std::string::npos);
}

// /dev/full fails every write with ENOSPC: the plot's script linked there is a full disk. (The
// report's own files are written by AtomicFile, which never writes through a link: a full disk
// for them is a real one in OutputSafety's test.)
TEST_F(PiReportTest, AFullDiskIsNamedInTheError) {
  WritePairOutput();
  const char* tmp = ".pairs.png.gp.tmp";
  fs::create_symlink("/dev/full", dir_ / tmp);
  const std::string what = ReportError();
  EXPECT_NE(what.find((dir_ / tmp).string()), std::string::npos) << what;
  EXPECT_NE(what.find(std::strerror(ENOSPC)), std::string::npos) << what;
}

}  // namespace
}  // namespace minimr::pidigits
