// A file that appears under its name whole or not at all: it is written under a hidden temporary
// name in the same directory (".NAME.tmp-PID-N", N counting this process's files) and renamed
// into place by Commit(), so that a crash, a kill or an error never leaves a half-written file
// under its name, nor one that a pattern such as "pi.*" or a job's input listing would take for
// data. minimr writes its part files, map outputs, job records and connection files this way; a
// job writes its report's files or generated input with it.
//
//   minimr::AtomicFile file(dir + "/counts.csv");
//   file.Write("key,count\n");
//   file.Commit();                                    // synced to disk, then renamed
//
//   minimr::WriteFileAtomically(path, text);          // the same in one call
//
// Errors throw std::runtime_error naming the file and why ("No space left on device").
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace minimr {

class AtomicFile {
 public:
  // Creates the temporary file for writing, with `mode` (less the umask): 0600 for what is private
  // to this user, such as map output or a cluster's key. It is always a new file: one left under
  // its name by a process that had this pid goes first, and a link put there is never followed.
  // Two AtomicFiles of one path each have their own; the last committed is the file.
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
  // and it has any (results want that; scratch files that die with their process, or a file that
  // names a running process, do not). A file system that cannot sync (EINVAL) is not an error.
  // Once only: a second call throws std::logic_error.
  void Commit(bool durable = true);

  // The final name, and the name the file has until Commit().
  const std::string& path() const { return path_; }
  const std::string& temporary_path() const { return tmp_path_; }

 private:
  [[noreturn]] void Fail(const std::string& what);

  std::string path_;
  std::string tmp_path_;
  std::FILE* file_ = nullptr;
  uint64_t size_ = 0;
  uint64_t writeback_every_ = 0;  // 0: none before Commit
  uint64_t written_back_ = 0;     // bytes sent on their way to disk
};

// Writes `contents` to `path` as AtomicFile does, with its `mode`, synced to disk if `durable`.
void WriteFileAtomically(const std::string& path, std::string_view contents, mode_t mode = 0666,
                         bool durable = true);

// Removes from `dir` the temporary files that writers killed part-way left there: those of
// AtomicFile (".NAME.tmp-PID-N") and of plots (".NAME.png.tmp", ".NAME.svg.gp.tmp"), files of
// this user. Only for a directory that nothing else writes meanwhile (a job's output, while its
// lock is held). Returns how many. Never throws.
int RemoveLeftTemporaryFiles(const std::string& dir);

}  // namespace minimr
