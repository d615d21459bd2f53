// A file written under a temporary name and renamed into place by Commit(), so that a crash or an
// error never leaves a half-written file under the final name.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace minimr {

class AtomicFile {
 public:
  // Creates `path`.tmp-<pid> for writing, with `mode` (less the umask): 0600 for what is private to
  // this user, such as map output. Throws std::runtime_error naming the path and why.
  explicit AtomicFile(std::string path, mode_t mode = 0666);
  // Removes the temporary file unless Commit() succeeded.
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void Write(std::string_view bytes);
  // For a large durable file: from now on, every `bytes` written start on their way to disk
  // (sync_file_range), so that the disk writes while the file is made and Commit's sync finds
  // little left to wait for.
  void StartWritebackEvery(uint64_t bytes) { writeback_every_ = bytes; }
  // Bytes written so far.
  uint64_t size() const { return size_; }
  // Flushes and renames the file to its final name, first syncing its data to disk if `durable`
  // and it has any (results want that; scratch files that die with their process do not). Throws
  // std::runtime_error.
  void Commit(bool durable = true);

  const std::string& path() const { return path_; }

 private:
  [[noreturn]] void Fail(const std::string& what);

  std::string path_;
  std::string tmp_path_;
  std::FILE* file_ = nullptr;
  uint64_t size_ = 0;
  uint64_t writeback_every_ = 0;  // 0: none before Commit
  uint64_t written_back_ = 0;     // bytes sent on their way to disk
};

// Writes `contents` to `path` atomically, with `mode` as AtomicFile.
void WriteFileAtomically(const std::string& path, std::string_view contents, mode_t mode = 0666);

}  // namespace minimr
