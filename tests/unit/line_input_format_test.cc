#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <utility>

#include "framework/src/runtime/task_context_impl.h"
#include "minimr/input.h"
#include "tests/common/temp_dir.h"

namespace minimr {
namespace {

// Every line is read exactly once, by the split its first byte is in, whatever the split size.
TEST(LineInputFormat, ReadsEachLineOnceWhateverTheSplitSize) {
  const testing::TempDir temp("lines");
  const std::string path = temp.path() / "lines";
  std::vector<std::string> lines = {"first", "", "third line is longer", "x", "", "last no newline"};
  {
    std::ofstream out(path);
    for (size_t i = 0; i < lines.size(); ++i) out << lines[i] << (i + 1 < lines.size() ? "\n" : "");
  }
  uint64_t size = std::filesystem::file_size(path);
  InputFiles files{{path}, {size}};
  runtime::TaskContextImpl context(Params(), "map", 0);
  LineInputFormat format;
  for (uint64_t split_size = 1; split_size <= size + 1; ++split_size) {
    std::vector<std::string> seen;
    std::vector<std::string> offsets;
    for (uint64_t offset = 0; offset < size; offset += split_size) {
      auto reader = format.Open(files, {0, offset, std::min(split_size, size - offset)}, context);
      std::string_view key, value;
      while (reader->Next(&key, &value)) {
        seen.push_back(std::string(value));
        offsets.push_back(std::string(key));
      }
    }
    EXPECT_EQ(seen, lines) << "split size " << split_size;
    EXPECT_EQ(offsets.front(), "0");
    EXPECT_EQ(offsets[2], "7");
  }
}

// A file cut short after the job was planned: a split that ends within what the file had fails,
// naming it, where its lines went missing without a word (the job succeeded on 40% of a file
// truncated under it). A split wholly past the new end fails too.
TEST(LineInputFormat, AFileShorterThanWhenTheJobBeganIsNamed) {
  const testing::TempDir temp("shrunk");
  const std::string path = temp.path() / "lines";
  { std::ofstream(path) << "aaaa\nbbbb\ncccc\ndddd\n"; }  // 20 bytes, as planned
  InputFiles files{{path}, {20}};
  std::filesystem::resize_file(path, 10);  // "aaaa\nbbbb\n"
  runtime::TaskContextImpl context(Params(), "map", 0);
  for (InputSplit split : {InputSplit{0, 0, 20}, InputSplit{0, 5, 10}, InputSplit{0, 12, 8}}) {
    std::string error;
    try {
      auto reader = LineInputFormat().Open(files, split, context);
      std::string_view key, value;
      while (reader->Next(&key, &value)) {
      }
    } catch (const std::runtime_error& e) {
      error = e.what();
    }
    EXPECT_EQ(error.rfind(path + ": shorter than when the job began", 0), 0u)
        << "split at " << split.offset << ": " << error;
  }
  // The first split still ends within what is left: read as it was.
  auto reader = LineInputFormat().Open(files, {0, 0, 5}, context);
  std::string_view key, value;
  ASSERT_TRUE(reader->Next(&key, &value));
  EXPECT_EQ(value, "aaaa");
  EXPECT_FALSE(reader->Next(&key, &value));
}

TEST(LineInputFormat, DropsTheCarriageReturnOfWindowsLineEnds) {
  const testing::TempDir temp("crlf");
  const std::string path = temp.path() / "crlf";
  { std::ofstream(path) << "a\r\nb\r\n"; }
  InputFiles files{{path}, {6}};
  runtime::TaskContextImpl context(Params(), "map", 0);
  auto reader = LineInputFormat().Open(files, {0, 0, 6}, context);
  std::string_view key, value;
  ASSERT_TRUE(reader->Next(&key, &value));
  EXPECT_EQ(value, "a");
  ASSERT_TRUE(reader->Next(&key, &value));
  EXPECT_EQ(value, "b");
  EXPECT_FALSE(reader->Next(&key, &value));
}

// --- NumberedLineInputFormat -------------------------------------------------------------------

using NumberedLines = std::vector<std::pair<std::string, std::string>>;

// The lines of `text` numbered from 1, the plain way: split at every '\n', no empty line after a
// final '\n', a '\r' before a '\n' dropped.
NumberedLines NaiveNumbering(const std::string& text) {
  NumberedLines lines;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t nl = text.find('\n', begin);
    size_t end = nl == std::string::npos ? text.size() : nl;
    std::string line = text.substr(begin, end - begin);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.emplace_back(std::to_string(lines.size() + 1), line);
    begin = end + 1;
  }
  return lines;
}

// Every split of `path` of `split_size` bytes read with NumberedLineInputFormat, in order.
NumberedLines ReadNumbered(const std::string& path, uint64_t split_size) {
  const uint64_t size = std::filesystem::file_size(path);
  InputFiles files{{path}, {size}};
  runtime::TaskContextImpl context(Params(), "map", 0);
  NumberedLineInputFormat format;
  NumberedLines lines;
  for (uint64_t offset = 0; offset < size; offset += split_size) {
    auto reader = format.Open(files, {0, offset, std::min(split_size, size - offset)}, context);
    std::string_view key, value;
    while (reader->Next(&key, &value)) lines.emplace_back(key, value);
  }
  return lines;
}

class NumberedLineInputFormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    temp_ = std::make_unique<testing::TempDir>("numbered");
    path_ = temp_->path() / "lines";
  }
  void TearDown() override { temp_.reset(); }
  void Write(const std::string& text) { std::ofstream(path_, std::ios::binary) << text; }

  std::unique_ptr<testing::TempDir> temp_;
  std::string path_;
};

TEST_F(NumberedLineInputFormatTest, NumbersEachLineInItsFileWhateverTheSplitSize) {
  for (const std::string& text :
       {std::string("first\n\nthird line is longer\r\nx\n\n\nlast no newline"),
        std::string("\n\n\nends with newlines\n\n"), std::string("one line\n"), std::string("\n"),
        std::string("a")}) {
    Write(text);
    const NumberedLines expected = NaiveNumbering(text);
    for (uint64_t split_size = 1; split_size <= text.size() + 1; ++split_size) {
      EXPECT_EQ(ReadNumbered(path_, split_size), expected) << "split size " << split_size;
    }
  }
}

// Lines of random length (some empty, some longer than a split) over several of the reader's
// 1 MiB blocks, so that counting the lines before a split crosses block boundaries.
TEST_F(NumberedLineInputFormatTest, CountsLinesBeforeSplitsDeepInALargeFile) {
  std::mt19937 random(42);
  std::string text;
  while (text.size() < (5u << 19)) {
    const size_t length = random() % 32 == 0 ? random() % 9000 : random() % 120;
    for (size_t i = 0; i < length; ++i) text.push_back(static_cast<char>('a' + random() % 26));
    text.push_back('\n');
  }
  text += "no newline at the end";
  Write(text);
  const NumberedLines expected = NaiveNumbering(text);
  ASSERT_GT(expected.size(), 5000u);
  for (uint64_t split_size :
       {uint64_t{4093}, uint64_t{65536}, uint64_t{333333}, uint64_t{(1 << 20) - 1},
        uint64_t{1 << 20}, uint64_t{(1 << 20) + 1}, uint64_t{text.size()}}) {
    EXPECT_EQ(ReadNumbered(path_, split_size), expected) << "split size " << split_size;
  }
}

TEST_F(NumberedLineInputFormatTest, AnEmptyFileHasNoLines) {
  Write("");
  InputFiles files{{path_}, {0}};
  runtime::TaskContextImpl context(Params(), "map", 0);
  auto reader = NumberedLineInputFormat().Open(files, {0, 0, 0}, context);
  std::string_view key, value;
  EXPECT_FALSE(reader->Next(&key, &value));
}

}  // namespace
}  // namespace minimr
