// A job's output directory and how it is committed. Reduce tasks write their part files into a
// staging directory beside the output; only a job that succeeds replaces the output, with
// job.json and, last, _SUCCESS in it. A failed job leaves the previous output as it was.
#pragma once

#include <cstdint>
#include <string>

namespace minimr::runtime {

// Whether `dir` holds a previous minimr output (job.json or _SUCCESS): such a directory may be
// replaced; any other non-empty directory never is.
bool IsJobOutput(const std::string& dir);

// Refuses (std::runtime_error naming the directory and what to do) an output directory that
// exists and is neither empty nor a previous minimr output, or whose parent cannot be written.
void CheckOutputDir(const std::string& output_dir);

// Creates a fresh staging directory for job `job_id` beside `output_dir` and returns its path.
std::string CreateStagingDir(const std::string& output_dir, uint64_t job_id);

// Writes job.json and _SUCCESS into `staging_dir`, then puts it in the place of `output_dir`
// (removing a previous output there). Throws std::runtime_error on failure.
void CommitOutput(const std::string& staging_dir, const std::string& output_dir,
                  const std::string& job_json);

// Removes a staging directory and everything in it. Never throws.
void RemoveStagingDir(const std::string& staging_dir);

}  // namespace minimr::runtime
