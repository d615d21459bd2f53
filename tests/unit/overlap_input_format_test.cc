// OverlapInputFormat hands out its split from a mapping of the file (MappedRange): the pieces are
// the file's bytes wherever the split starts, and a file cut short under the reader fails the
// task with an error naming the file instead of ending the process with SIGBUS.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

#include "framework/src/api/mapped_range.h"
#include "framework/src/runtime/crash_reporter.h"
#include "framework/src/runtime/task_context_impl.h"
#include "minimr/input.h"

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

// A file of `size` random bytes, removed at the end of the test.
class InputFile {
 public:
  explicit InputFile(size_t size) {
    std::string pattern = (std::filesystem::temp_directory_path() / "minimr-overlap-XXXXXX");
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0) throw std::runtime_error("mkstemp " + pattern);
    ::close(fd);
    path_ = pattern;
    std::mt19937 random(7);
    bytes_.resize(size);
    for (char& c : bytes_) c = static_cast<char>('a' + random() % 26);
    std::ofstream(path_, std::ios::binary) << bytes_;
  }
  ~InputFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }
  const std::string& bytes() const { return bytes_; }
  void CutTo(size_t size) const {
    if (::truncate(path_.c_str(), static_cast<off_t>(size)) != 0) throw std::runtime_error("truncate");
  }

 private:
  std::string path_;
  std::string bytes_;
};

// Adds up a piece's bytes, as a mapper reads them.
int Sum(std::string_view piece) {
  int sum = 0;
  for (char c : piece) sum += static_cast<unsigned char>(c);
  return sum;
}

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

// Reads the first piece of a 3-piece split, cuts the file to `cut_to` bytes, reads on.
void ReadAFileCutShortUnderTheReader(size_t cut_to) {
  const InputFile file(3 * 131'072 + 5);
  const InputFiles files{{file.path()}, {file.bytes().size()}};
  runtime::TaskContextImpl context(Params(), "map", 0);
  auto reader = TakeBytesAfter(0).Open(files, {0, 0, file.bytes().size()}, context);
  std::string_view key, value;
  ASSERT_TRUE(reader->Next(&key, &value));
  EXPECT_EQ(value, file.bytes().substr(0, value.size()));
  file.CutTo(cut_to);
  // The next piece lies past the file's new end: reading it would be SIGBUS, had the pages not
  // been replaced by zeros; the reader then fails the task.
  ASSERT_TRUE(reader->Next(&key, &value));
  EXPECT_EQ(Sum(value), 0);
  try {
    reader->Next(&key, &value);
    ADD_FAILURE() << "a file cut short was read as if whole";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), file.path() + ": shorter than when the job began");
  }
}

TEST(OverlapInputFormat, AFileCutShortUnderTheReaderFailsTheTaskRatherThanTheProcess) {
  ReadAFileCutShortUnderTheReader(0);
}

// In a worker, SIGBUS goes to the crash reporter, which would report the task as crashed.
TEST(OverlapInputFormat, AFileCutShortUnderTheReaderOfAWorkerIsNotACrash) {
  EXPECT_EXIT(
      {
        int fds[2];
        if (::pipe(fds) != 0) std::_Exit(3);
        runtime::CrashReporter::Install(fds[1], ::pthread_self());
        ReadAFileCutShortUnderTheReader(1000);
        std::_Exit(::testing::Test::HasFailure() ? 1 : 0);
      },
      ::testing::ExitedWithCode(0), "");
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

// Only faults in a mapped split are turned into zeros: any other SIGBUS ends the process.
TEST(OverlapInputFormatDeathTest, ABusErrorElsewhereStillEndsTheProcess) {
  const InputFile file(8192);
  ASSERT_NE(MappedRange::Map(file.path(), 0, 8192), nullptr);  // the handler is installed
  EXPECT_EXIT(
      {
        const int fd = ::open(file.path().c_str(), O_RDONLY);
        const auto* p = static_cast<const volatile char*>(
            ::mmap(nullptr, 8192, PROT_READ, MAP_PRIVATE, fd, 0));
        file.CutTo(0);
        std::_Exit(p[4096]);
      },
      [](int status) {
        // Killed by SIGBUS; or, under AddressSanitizer, its report of it and exit status 1.
        return (WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS) ||
               (WIFEXITED(status) && WEXITSTATUS(status) != 0);
      },
      "");
}

}  // namespace
}  // namespace minimr
