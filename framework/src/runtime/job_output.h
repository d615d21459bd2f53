// A job's output directory and how it is committed, Hadoop's FileOutputCommitter made atomic:
//  - the master makes a staging directory beside the output, private to this job;
//  - each reduce attempt writes its part file under staging/_temporary/, and only the attempt
//    that wins its task is moved to staging/part-r-NNNNN (CommitTaskOutput);
//  - at the end the master removes _temporary (killed and stale attempts), writes job.json and,
//    last, _SUCCESS, and swaps the staging directory with the output in one renameat2
//    (RENAME_EXCHANGE): at no instant is output.dir missing or a mix of old and new.
// A staging directory left by a master that died is removed by the next job that writes beside it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace minimr::runtime {

// Whether `dir` holds a previous minimr output (job.json or _SUCCESS): such a directory may be
// replaced; any other non-empty directory never is.
bool IsJobOutput(const std::string& dir);

// Refuses (std::runtime_error naming the directory and what to do) an output directory that
// exists and is neither empty nor a previous minimr output, or whose parent cannot be written.
void CheckOutputDir(const std::string& output_dir);

// Creates a fresh staging directory (with its _temporary/) for job `job_id` of this process beside
// `output_dir`, first removing those of dead masters on this host. Returns its path.
std::string CreateStagingDir(const std::string& output_dir, uint64_t job_id);

// Where reduce task `index`'s attempt `attempt` writes its part file.
std::string AttemptPartPath(const std::string& staging_dir, int index, int attempt);
// Makes that attempt's part file the task's: staging/part-r-NNNNN. Throws std::runtime_error.
void CommitTaskOutput(const std::string& staging_dir, int index, int attempt);

// Removes _temporary, writes job.json and then _SUCCESS into `staging_dir`, and puts it in the
// place of `output_dir` (the previous output, if any, is removed after the swap). `after_step`,
// if given, is called after each step with its name (tests stop the process there). Throws
// std::runtime_error on failure; the previous output is then untouched.
void CommitOutput(const std::string& staging_dir, const std::string& output_dir,
                  const std::string& job_json,
                  const std::function<void(const char* step)>& after_step = nullptr);

// Removes a staging directory and everything in it. Never throws.
void RemoveStagingDir(const std::string& staging_dir);

// Removes the staging directories beside `output_dir` whose master, on this host, has died (or,
// with `pid`, only that master's). Returns how many it removed. Never throws.
int RemoveAbandonedStagingDirs(const std::string& output_dir, int pid = 0);

}  // namespace minimr::runtime
