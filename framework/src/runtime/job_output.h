// A job's output directory and how it is committed, Hadoop's FileOutputCommitter made atomic:
//  - the master makes a staging directory beside the output, private to this job;
//  - each reduce attempt writes its part file under staging/_temporary/, and only the attempt
//    that wins its task is moved to staging/part-r-NNNNN (CommitTaskOutput);
//  - at the end the master removes _temporary (killed and stale attempts), writes the marker
//    .minimr-output, job.json and, last, _SUCCESS, and swaps the staging directory with the
//    output in one renameat2 (RENAME_EXCHANGE): at no instant is output.dir missing or a mix of
//    old and new.
// minimr writes only where it may: output.dir must not exist, or be empty, or be an output that
// minimr itself committed (its marker, confirmed by its job.json) when the job says
// output.overwrite: true. A directory of anything else is never replaced, whatever it holds.
// A staging directory left by a master that died is removed by the next job that writes beside
// it, if it still holds only what minimr made.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace minimr::runtime {

// The marker minimr writes into every output it commits; it holds the output's id, which the
// output's job.json repeats as "output_id".
inline constexpr const char* kOutputMarker = ".minimr-output";

// Why an output directory may not be written: what() names the directory and what to do.
class OutputDirError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A new random output id: 32 hex digits.
std::string NewOutputId();

// The id of the output minimr committed in `dir`: its marker's id, when its job.json names the
// same id. "" when `dir` is anything else (no marker, a stray _SUCCESS or job.json, a marker
// its job.json does not confirm, a symbolic link); then, if `why_not` is given, it says which.
std::string OutputIdOf(const std::string& dir, std::string* why_not = nullptr);

// Refuses (OutputDirError) an output directory minimr must not write: the file system root, a
// path that exists and is not a directory or is a symbolic link, a non-empty directory without
// minimr's confirmed marker (whatever it holds), minimr's own output unless `overwrite`, and one
// whose parent cannot be made or written. Makes the parent if it is missing.
void CheckOutputDir(const std::string& output_dir, bool overwrite);

// Creates a fresh staging directory (with its _temporary/) for job `job_id` of this process beside
// `output_dir`, first removing those of dead masters on this host. Returns its path.
std::string CreateStagingDir(const std::string& output_dir, uint64_t job_id);

// Where reduce task `index`'s attempt `attempt` writes its part file.
std::string AttemptPartPath(const std::string& staging_dir, int index, int attempt);
// Makes that attempt's part file the task's: staging/part-r-NNNNN. Throws std::runtime_error.
void CommitTaskOutput(const std::string& staging_dir, int index, int attempt);

// Removes _temporary, writes the marker with `output_id`, then `job_json` (which must name the
// same output_id) and then _SUCCESS into `staging_dir`, checks output_dir again as
// CheckOutputDir(output_dir, overwrite) does, and puts the staging directory in its place.
// Returns the directory that then holds the previous output (staging_dir, swapped), for the
// caller to remove with RemoveStagingDir once the job's result is out, or "" if there was none;
// if the caller dies first, RemoveAbandonedStagingDirs finds it. `after_step`, if given, is
// called after each step with its name (tests stop the process there). Throws OutputDirError
// or std::runtime_error on failure; whatever was at output_dir is then untouched.
// REQUIRES: the caller holds output_dir's OutputLock.
[[nodiscard]] std::string CommitOutput(
    const std::string& staging_dir, const std::string& output_dir, const std::string& job_json,
    const std::string& output_id, bool overwrite,
    const std::function<void(const char* step)>& after_step = nullptr);

// Removes a staging directory and everything in it, or the previous output a commit swapped into
// it, if it holds only what minimr makes there (as RemoveAbandonedStagingDirs asks): a stranger's
// files that a failed commit left in it stay, with the directory. Returns whether it removed it;
// if not, and `why` is given, sets it to why not. Never throws.
bool RemoveStagingDir(const std::string& staging_dir, std::string* why = nullptr);

// Removes the staging directories beside `output_dir` whose master, on this host, has died (or,
// with `pid`, only that master's), when they hold only what minimr made: a staging directory
// still in progress (with _temporary/), a committed output, or nothing. Returns how many it
// removed; adds to `left`, if given, "DIR: why" for each such directory of a master that is gone
// that it did not remove. Never throws.
int RemoveAbandonedStagingDirs(const std::string& output_dir, int pid = 0,
                               std::vector<std::string>* left = nullptr);

}  // namespace minimr::runtime
