// job.json: the record of a finished job (its configuration, input, counters, timings, its tasks
// summed up by phase with percentiles of their times, and the attempts that did not simply
// succeed), written into the output beside the part files. Its size does not grow with the
// number of tasks that succeed.
#pragma once

#include <string>

#include "framework/src/runtime/clock.h"
#include "framework/src/runtime/scheduler.h"
#include "framework/src/wire/messages.h"

namespace minimr::runtime {

struct JobTimes {
  std::string submitted_at;  // wall-clock, ISO 8601
  TimePoint started{}, maps_finished{}, finished{};
};

std::string JobJson(const wire::JobSubmission& submission, const JobScheduler& scheduler,
                    const wire::JobStatus& result, const JobTimes& times);

// `job_json` with output.part_bytes: the size of each of the `reduce_tasks` part files in
// `staging_dir` as they are committed, so that a reader finds one that is missing, or was cut
// short or changed since (OutputReader). Off the master's io thread: a stat each, on storage that
// may be slow. Throws std::runtime_error naming a part file it cannot look at.
std::string WithPartBytes(const std::string& job_json, const std::string& staging_dir,
                          int reduce_tasks);

// The local time now as ISO 8601 ("2026-11-25T20:15:00+0000").
std::string WallClockNow();

}  // namespace minimr::runtime
