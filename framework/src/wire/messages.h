// The messages master, workers and clients exchange, one per frame after the handshake. Each
// frame starts with a MessageType byte; the rest is the message encoded by archive.h, except
// kFetchData, whose rest is raw map-output bytes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <boost/serialization/map.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include "framework/src/shuffle/shuffle_options.h"

namespace minimr::wire {

enum class MessageType : uint8_t {
  kRegisterWorker = 1,  // worker -> master
  kRegistered,          // master -> worker
  kTaskRequest,         // worker -> master: a slot is free (no body); later, TaskReport.wants_task
  kTaskAssignment,      // master -> worker
  kTaskReport,          // worker -> master
  kHeartbeat,           // worker -> master
  kFetchRequest,        // reducer -> worker's map-output server
  kFetchData,           // server -> reducer: raw bytes of the partition, in pieces
  kFetchEnd,            // server -> reducer: the partition is complete (FetchEnd)
  kJobDone,             // master -> worker: a job is over, its map output can go (JobDone)
  kSubmitJob,           // client -> master (JobSubmission)
  kJobProgress,         // master -> client (JobStatus, from time to time)
  kJobResult,           // master -> client (JobStatus, once, at the end)
  kKillTask,            // master -> worker: abandon this attempt, another one won (KillTask)
  kWorkerLeaving,       // worker -> master: it stops (its run-time is up); its work goes back
  kClusterStatus,       // client -> master: which workers are there (no body)
  kClusterInfo,         // master -> client (ClusterInfo)
  kShutdown,            // client -> master: stop the cluster (no body)
  kFetchPlugin,         // worker -> master: the plugin of a job (FetchPlugin)
  kPluginData,          // master -> worker (PluginData)
  kCancelJob,           // client -> master: stop the client's job, commit nothing (CancelJob)
  kListInputFiles,      // worker -> master: a piece of a job's input file list (ListRequest)
  kInputFiles,          // master -> worker (InputFilesPiece)
  kListMapOutputs,      // reducer -> master: a piece of a job's map output locations (ListRequest)
  kMapOutputs,          // master -> reducer (MapOutputsPiece)
  kTaskRequestAhead,    // worker -> master: it has started a task and asks for the one after
                        // (no body); the master gives it one only while enough tasks wait
};

struct RegisterWorker {
  std::string host;         // where the worker's map-output server listens
  uint16_t data_port = 0;
  int32_t pid = 0;
  std::string name;         // for logs: host:pid, or the SGE task

  template <class A>
  void serialize(A& ar, unsigned) {
    ar & host & data_port & pid & name;
  }
};

struct Registered {
  int32_t worker_id = 0;
  int32_t heartbeat_ms = 1000;
  // The master answers every heartbeat; a worker that hears nothing from it for this long takes
  // it for dead and exits.
  int32_t master_timeout_ms = 10000;
  // A fetch of map output that receives nothing for this long fails.
  int32_t fetch_timeout_ms = 10000;
  // The largest frame the worker accepts from the master (the cluster's --max-frame-bytes).
  uint32_t max_frame_bytes = 16u << 20;

  template <class A>
  void serialize(A& ar, unsigned) {
    ar & worker_id & heartbeat_ms & master_timeout_ms & fetch_timeout_ms & max_frame_bytes;
  }
};

// A job's shuffle budgets, per task (the job file's map.sort_buffer, reduce.shuffle_buffer,
// shuffle.merge_factor).
struct ShuffleBudgets {
  uint64_t sort_buffer = shuffle::kDefaultSortBuffer;
  uint64_t shuffle_buffer = shuffle::kDefaultShuffleBuffer;
  int32_t merge_factor = shuffle::kDefaultMergeFactor;

  template <class A>
  void serialize(A& ar, unsigned) {
    ar & sort_buffer & shuffle_buffer & merge_factor;
  }
};

// Where a finished map task's output can be fetched.
struct MapOutputLocation {
  std::string host;
  uint16_t port = 0;
  int32_t map_task = 0;
  int32_t attempt = 0;

  template <class A>
  void serialize(A& ar, unsigned) {
    ar & host & port & map_task & attempt;
  }
};

// How large (as EncodedGuess adds up) the lists an assignment carries may be: the job's input
// files and the map output locations a reduce fetches. Larger lists are asked for in pieces.
constexpr size_t kInlineListBytes = 64 << 10;

// Generous guesses of the bytes a list item takes encoded, to fit lists to a budget.
inline size_t EncodedGuess(const std::string& path) { return path.size() + 24; }
inline size_t EncodedGuess(const MapOutputLocation& location) { return location.host.size() + 32; }

struct TaskSpec {
  uint64_t job_id = 0;
  std::string job_name;
  std::map<std::string, std::string> params;
  bool is_map = true;
  int32_t index = 0;
  int32_t attempt = 0;
  int32_t reduce_tasks = 1;
  // Map tasks: the split. The job's input files (readers may read into the next one) come
  // with the first map task a worker gets of the job when they are few (input_paths, at most
  // kInlineListBytes); otherwise these are empty and the worker asks the master for them once
  // per job, in pieces (kListInputFiles), so that no assignment grows with the number of files.
  int32_t file_index = 0;
  uint64_t offset = 0;
  uint64_t length = 0;
  std::vector<std::string> input_paths;
  std::vector<uint64_t> input_sizes;
  // Reduce tasks: how many map outputs to fetch, and the locations of the first ones (all of
  // them when they are few, at most kInlineListBytes; the rest come from the master in pieces,
  // kListMapOutputs), and the directory part files are committed to.
  int32_t map_tasks = 0;
  std::vector<MapOutputLocation> map_outputs;
  std::string output_dir;
  // A job from a plugin: its path where the job was submitted, and the SHA-256 of its bytes.
  std::string plugin_path;
  std::string plugin_sha256;
  std::string output_format = "text";  // how part files are written: "text", "jsonl" or "raw"
  int32_t parallel_copies = 5;  // reduce tasks: servers fetched from at once (shuffle.parallel_copies)
  ShuffleBudgets shuffle;

  template <class A>
  void serialize(A& ar, unsigned) {
    ar & job_id & job_name & params & is_map & index & attempt & reduce_tasks;
    ar & file_index & offset & length & input_paths & input_sizes;
    ar & map_tasks & map_outputs & output_dir & plugin_path & plugin_sha256;
    ar & output_format & parallel_copies;
    ar & shuffle;
  }
};

// A piece of a list the master keeps for a job: up to `max` items from index `from`.
struct ListRequest {
  uint64_t job_id = 0;
  int32_t from = 0;
  int32_t max = 0;

  template <class A>
  void serialize(A& ar, unsigned) {
    ar & job_id & from & max;
  }
};

// Input files `from`, `from + 1`, ... of a job (as many as fit a frame); `total` in the job.
struct InputFilesPiece {
  std::string error;  // the master has no such job (any more)
  int32_t total = 0;
  std::vector<std::string> paths;
  std::vector<uint64_t> sizes;

  template <class A>
  void serialize(A& ar, unsigned) {
    ar & error & total & paths & sizes;
  }
};

// The locations of map outputs from map task `from` on, in map task order, stopping before the
// first map task whose output is not there (being made again): then `locations` may be empty,
// and the reducer asks again later. `total`: the job's map tasks.
struct MapOutputsPiece {
  std::string error;  // the master has no such job (any more)
  int32_t total = 0;
  std::vector<MapOutputLocation> locations;

  template <class A>
  void serialize(A& ar, unsigned) {
    ar & error & total & locations;
  }
};

struct TaskAssignment {
  bool shutdown = false;  // no task: the cluster is stopping, the worker exits
  TaskSpec task;

  template <class A>
  void serialize(A& ar, unsigned) {
    ar & shutdown & task;
  }
};

struct TaskReport {
  uint64_t job_id = 0;
  bool is_map = true;
  int32_t index = 0;
  int32_t attempt = 0;
  bool ok = false;
  std::string error;  // what went wrong, for the user, when !ok
  std::map<std::string, int64_t> counters;
  double seconds = 0;
  // A reduce that failed because it could not fetch these map outputs (their worker vanished or
  // froze): the master runs those map tasks again.
  std::vector<MapOutputLocation> lost_maps;
  // The task crashed its worker, which dies once the master has this report and hangs up.
  bool worker_dying = false;
  // The worker's slot is free again: the report is also its request for the next task (one
  // frame where a report and a kTaskRequest were two). False when the worker asked ahead
  // (kTaskRequestAhead) while the task ran; the master then knows whether it gave it one.
  bool wants_task = false;

  template <class A>
  void serialize(A& ar, unsigned) {
    ar & job_id & is_map & index & attempt & ok & error & counters & seconds & lost_maps;
    ar & worker_dying & wants_task;
  }
};

struct WorkerLeaving {
  std::string reason;

  template <class A>
  void serialize(A& ar, unsigned) {
    ar & reason;
  }
};

// The workers a master knows, for `minimr cluster status`.
struct WorkerInfo {
  int32_t id = 0;
  std::string name;   // "sge task 3 (job 12)"
  std::string host;   // where it serves map output
  std::string doing;  // "idle", or the task it runs: "job 2 map task 5"
  double silent_seconds = 0;

  template <class A>
  void serialize(A& ar, unsigned) {
    ar & id & name & host & doing & silent_seconds;
  }
};

struct ClusterInfo {
  std::vector<WorkerInfo> workers;
  int32_t jobs_queued = 0;  // running and waiting

  template <class A>
  void serialize(A& ar, unsigned) {
    ar & workers & jobs_queued;
  }
};

struct KillTask {
  uint64_t job_id = 0;
  bool is_map = true;
  int32_t index = 0;
  int32_t attempt = 0;

  template <class A>
  void serialize(A& ar, unsigned) {
    ar & job_id & is_map & index & attempt;
  }
};

struct Heartbeat {
  uint64_t bytes_done = 0;  // input bytes the running task has read so far

  template <class A>
  void serialize(A& ar, unsigned) {
    ar & bytes_done;
  }
};

struct FetchRequest {
  uint64_t job_id = 0;
  int32_t map_task = 0;
  int32_t attempt = 0;
  int32_t partition = 0;

  template <class A>
  void serialize(A& ar, unsigned) {
    ar & job_id & map_task & attempt & partition;
  }
};

struct FetchEnd {
  bool ok = true;
  std::string error;
  uint64_t bytes = 0;  // the partition's size, to check nothing was lost

  template <class A>
  void serialize(A& ar, unsigned) {
    ar & ok & error & bytes;
  }
};

struct JobDone {
  uint64_t job_id = 0;

  template <class A>
  void serialize(A& ar, unsigned) {
    ar & job_id;
  }
};

// A job as a client submits it: the YAML file already read and checked, inputs expanded.
struct JobSubmission {
  std::string job_name;
  std::map<std::string, std::string> params;
  std::vector<std::string> input_paths;  // absolute, in order
  uint64_t split_size = 0;               // 0: one split per file
  int32_t reduce_tasks = 1;
  std::string output_dir;                // absolute
  std::string config_yaml;               // the effective configuration, for job.json
  // The job file's `tasks` section: retries, exclusion of failing workers, speculation.
  int32_t max_attempts = 4;
  int32_t max_failures_per_worker = 3;
  bool speculation = true;
  // A job from a plugin: the file's path on the submitting machine, its SHA-256 and its bytes
  // (workers that cannot read the path get the bytes from the master).
  std::string plugin_path;
  std::string plugin_sha256;
  std::string plugin_bytes;
  std::string output_format = "text";  // `output.format`: "text", "jsonl" or "raw"
  bool output_overwrite = false;       // `output.overwrite`: may replace a previous minimr output
  ShuffleBudgets shuffle;
  int32_t parallel_copies = 5;         // `shuffle.parallel_copies`: 1..100

  template <class A>
  void serialize(A& ar, unsigned) {
    ar & job_name & params & input_paths & split_size & reduce_tasks & output_dir & config_yaml;
    ar & max_attempts & max_failures_per_worker & speculation;
    ar & plugin_path & plugin_sha256 & plugin_bytes;
    ar & output_format;
    ar & output_overwrite;
    ar & shuffle;
    ar & parallel_copies;
  }
};

// A client's request to cancel the job it submitted on this connection (the master knows which);
// the master answers with the job's JobResult.
struct CancelJob {
  std::string reason;  // for the master's log and the result: "SIGINT at the client"

  template <class A>
  void serialize(A& ar, unsigned) {
    ar & reason;
  }
};

struct FetchPlugin {
  uint64_t job_id = 0;

  template <class A>
  void serialize(A& ar, unsigned) {
    ar & job_id;
  }
};

struct PluginData {
  std::string bytes;  // empty: the master has no such job (any more)

  template <class A>
  void serialize(A& ar, unsigned) {
    ar & bytes;
  }
};

struct JobStatus {
  uint64_t job_id = 0;
  int32_t maps_done = 0, maps_total = 0;
  int32_t reduces_done = 0, reduces_total = 0;
  uint64_t bytes_done = 0, bytes_total = 0;  // input bytes read, of all
  int32_t workers = 0;
  int32_t jobs_ahead = 0;                    // jobs that run before this one starts
  double seconds = 0;                        // since the job started
  // Set in the final JobResult:
  bool finished = false;
  bool ok = false;
  std::string error;
  std::map<std::string, int64_t> counters;
  // The id the master marked the committed output with (its .minimr-output file), when ok.
  std::string output_id;
  bool cancelled = false;  // the job ended at its client's request (CancelJob)

  template <class A>
  void serialize(A& ar, unsigned) {
    ar & job_id & maps_done & maps_total & reduces_done & reduces_total & bytes_done &
        bytes_total & workers & jobs_ahead & seconds & finished & ok & error & counters;
    ar & output_id & cancelled;
  }
};

}  // namespace minimr::wire
