// The master: accepts workers and clients on one TCP port, runs submitted jobs one after another,
// hands tasks to workers that ask for them, notices workers that die or fall silent and runs
// their work again, and commits each job's output. The bookkeeping lives in WorkerRegistry
// (failure detection), JobScheduler (dispatch, retries, speculation) and job_record/job_output;
// this class joins them to the network and to a Clock.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "framework/src/runtime/clock.h"
#include "framework/src/wire/asio.h"
#include "framework/src/wire/frame.h"
#include "framework/src/wire/handshake.h"
#include "framework/src/wire/listener.h"

namespace minimr::runtime {

// The least --max-frame-bytes: room for any control message, and a piece of a list holding the
// longest path a system allows.
constexpr uint32_t kMinFrameBytes = 64u << 10;

struct MasterOptions {
  std::string host = "127.0.0.1";  // address to listen on
  uint16_t port = 0;               // 0: any free port
  wire::Key key{};
  // A TLS cluster's master presents this context's certificate (wire/tls.h); null: plain TCP.
  std::shared_ptr<boost::asio::ssl::context> tls;
  // Caps on connections in their handshake and from one address, and the handshake's deadline.
  wire::ListenerLimits limits;
  // How often workers send a heartbeat; a worker that sends nothing for `worker_timeout` is
  // taken for dead (and a worker that hears nothing from the master for as long exits).
  Duration heartbeat = std::chrono::seconds(1);
  Duration worker_timeout = std::chrono::seconds(10);
  // A reduce's fetch of map output that receives nothing for this long fails, and the map
  // output is taken for lost.
  Duration fetch_timeout = std::chrono::seconds(10);
  // A running job fails once the cluster has had no worker at all for this long.
  Duration no_worker_timeout = std::chrono::seconds(60);
  // The largest frame the master sends its workers, and they accept from it; the lists a job
  // keeps (input files, map output locations) go out in pieces that fit. At least kMinFrameBytes.
  uint32_t max_frame_bytes = wire::kMaxFrameBytes;
  // How often the master checks for silent workers, stragglers and sends progress.
  Duration tick = std::chrono::milliseconds(200);
  const Clock* clock = nullptr;  // nullptr: the real steady clock
  // A master for one job (a `minimr run`'s): once it has queued a job it refuses others, and
  // once that job has ended (done, failed or cancelled) and its result is sent, it stops as
  // Stop() does, so that its workers hear at once. Submissions refused before do not count.
  bool stop_after_job = false;
  // Called once the master has stopped, however it was asked to: for what else keeps the
  // io_context running (a program's signal_set), so that io.run() returns.
  std::function<void()> on_stop;
  // Faults to inject, for tests (runtime/fault_injection.h: delay=D@commit).
  std::string faults;
};

class Master {
 public:
  // Listens at once; throws std::runtime_error if the address cannot be bound,
  // std::invalid_argument if options.faults cannot be read.
  Master(boost::asio::io_context& io, MasterOptions options);
  ~Master();

  uint16_t port() const;
  // Whether Stop() has run (asked for by a signal's handler, a client's kShutdown, or the end
  // of a master's one job: stop_after_job).
  bool stopped() const;
  // Tells every worker to exit, ends client connections, abandons the jobs (removing their
  // staging directories), stops listening, calls options.on_stop. The io_context then runs out
  // of its work once the last connection has closed. A job whose output is being committed
  // ends first, its result sent: the master stops once it has.
  void Stop();

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace minimr::runtime
