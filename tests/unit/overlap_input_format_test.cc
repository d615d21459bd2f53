// OverlapInputFormat: a split's bytes and the overlap after it, wherever the split starts, and a
// file shorter than its split fails the task with an error naming the file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

#include "framework/src/runtime/task_context_impl.h"
#include "minimr/input.h"
#include "tests/common/temp_dir.h"

namespace minimr {
namespace {

// Reads on past the split for `bytes` more bytes.
class BytesAfter : public OverlapRule {
 public:
  explicit BytesAfter(size_t bytes) : left_(bytes) {}
  size_t Take(std::string_view bytes) override {
    const size_t used = std::min(left_, bytes.size());
    left_ -= used;
    return used;
  }

 private:
  size_t left_;
};

class TakeBytesAfter : public OverlapInputFormat {
 public:
  explicit TakeBytesAfter(size_t bytes) : bytes_(bytes) {}
  std::unique_ptr<OverlapRule> Overlap(TaskContext&) override {
    return bytes_ > 0 ? std::make_unique<BytesAfter>(bytes_) : nullptr;
  }

 private:
  size_t bytes_;
};

// A file of `size` random bytes, in a directory removed at the end of the test.
class InputFile {
 public:
  explicit InputFile(size_t size) : dir_("overlap"), path_((dir_.path() / "input").string()) {
    std::mt19937 random(7);
    bytes_.resize(size);
    for (char& c : bytes_) c = static_cast<char>('a' + random() % 26);
    std::ofstream(path_, std::ios::binary) << bytes_;
  }
  const std::string& path() const { return path_; }
  const std::string& bytes() const { return bytes_; }
  void CutTo(size_t size) const { std::filesystem::resize_file(path_, size); }

 private:
  testing::TempDir dir_;
  std::string path_;
  std::string bytes_;
};

TEST(OverlapInputFormat, ReadsEachSplitAndItsOverlapWhereverTheSplitStarts) {
  const InputFile file(600'000);
  const uint64_t size = file.bytes().size();
  const InputFiles files{{file.path()}, {size}};
  runtime::TaskContextImpl context(Params(), "map", 0);
  TakeBytesAfter format(100);
  for (uint64_t offset : {uint64_t{0}, uint64_t{1}, uint64_t{4095}, uint64_t{4096},
                          uint64_t{300'001}, size - 10}) {
    for (uint64_t length : {uint64_t{1}, uint64_t{5000}, uint64_t{131'072}, uint64_t{280'000}}) {
      length = std::min(length, size - offset);
      auto reader = format.Open(files, {0, offset, length}, context);
      std::string read;
      std::string_view key, value;
      while (reader->Next(&key, &value)) read += value;
      const uint64_t end = std::min(size, offset + length + 100);
      EXPECT_EQ(read, file.bytes().substr(offset, end - offset))
          << "split at " << offset << ", " << length << " bytes";
      EXPECT_EQ(reader->bytes_read(), end - offset);
    }
  }
}

TEST(OverlapInputFormat, AFileCutShortUnderTheReaderFailsTheTask) {
  const InputFile file(3 * 131'072 + 5);
  const InputFiles files{{file.path()}, {file.bytes().size()}};
  runtime::TaskContextImpl context(Params(), "map", 0);
  auto reader = TakeBytesAfter(0).Open(files, {0, 0, file.bytes().size()}, context);
  std::string_view key, value;
  ASSERT_TRUE(reader->Next(&key, &value));
  EXPECT_EQ(value, file.bytes().substr(0, value.size()));
  file.CutTo(1000);
  try {
    reader->Next(&key, &value);
    ADD_FAILURE() << "a file cut short was read as if whole";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), file.path() + ": shorter than when the job began");
  }
}

TEST(OverlapInputFormat, AFileCutShortBeforeTheReaderOpensItFailsTheTask) {
  const InputFile file(200'000);
  const InputFiles files{{file.path()}, {file.bytes().size()}};
  runtime::TaskContextImpl context(Params(), "map", 0);
  file.CutTo(150'000);
  auto reader = TakeBytesAfter(0).Open(files, {0, 0, file.bytes().size()}, context);
  std::string_view key, value;
  std::string read;
  try {
    while (reader->Next(&key, &value)) read += value;
    ADD_FAILURE() << "a file cut short was read as if whole";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), file.path() + ": shorter than when the job began");
  }
  EXPECT_EQ(read, file.bytes().substr(0, 150'000));
}

}  // namespace
}  // namespace minimr
