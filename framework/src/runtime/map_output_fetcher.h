// The copy phase of a reduce task: fetching its partition of every map output, from several
// servers at once (`shuffle.parallel_copies` copier threads, at most one per server at a time,
// like Hadoop's fetchers), each over the worker's one kept-open connection to that server, with
// several requests in flight on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "framework/src/runtime/fetch_connections.h"
#include "framework/src/runtime/task_control.h"
#include "framework/src/wire/messages.h"

namespace minimr::runtime {

// A reduce attempt that could not fetch map output: the outputs of the server it could not
// fetch from (which vanished, froze, hung or lost them), for the master to run again.
class FetchFailure : public std::runtime_error {
 public:
  FetchFailure(const std::string& what, std::vector<wire::MapOutputLocation> lost)
      : std::runtime_error(what), lost_(std::move(lost)) {}
  const std::vector<wire::MapOutputLocation>& lost() const { return lost_; }

 private:
  std::vector<wire::MapOutputLocation> lost_;
};

// Where fetched bytes go. For one map output the calls come from one thread, in order: Piece
// for each piece as it arrives, then Done with the partition's size. Calls for different map
// outputs may come from different threads at the same time. An exception from either ends the
// fetch and is rethrown to FetchMapOutputs' caller as it is.
class FetchSink {
 public:
  virtual ~FetchSink() = default;
  // `output` indexes the locations given to FetchMapOutputs.
  virtual void Piece(size_t output, std::string_view bytes) = 0;
  virtual void Done(size_t output, uint64_t size) = 0;
};

// Requests in flight on one connection.
constexpr size_t kFetchPipelineDepth = 16;

// Fetches partition `partition` of job `job_id`'s map outputs `outputs` into `sink`, with
// `copies` copier threads (this one among them). A server that sends nothing for
// connections.timeout() (a fetch's deadline, renewed by every frame) fails the fetch. Throws
// FetchFailure listing every output on the first server that failed, TaskKilled when `control`
// says so, or what `sink` threw. REQUIRES: copies >= 1.
void FetchMapOutputs(const std::vector<wire::MapOutputLocation>& outputs, uint64_t job_id,
                     int partition, int copies, FetchConnections& connections,
                     const TaskControl& control, FetchSink& sink);

}  // namespace minimr::runtime
