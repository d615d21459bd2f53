#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "framework/src/runtime/task_context_impl.h"
#include "minimr/input.h"

namespace minimr {
namespace {

// Every line is read exactly once, by the split its first byte is in, whatever the split size.
TEST(LineInputFormat, ReadsEachLineOnceWhateverTheSplitSize) {
  std::string path = std::filesystem::temp_directory_path() /
                     ("minimr-lines-" + std::to_string(::getpid()));
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
  std::filesystem::remove(path);
}

TEST(LineInputFormat, DropsTheCarriageReturnOfWindowsLineEnds) {
  std::string path = std::filesystem::temp_directory_path() /
                     ("minimr-crlf-" + std::to_string(::getpid()));
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
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace minimr
