#include "framework/src/runtime/map_output_fetcher.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "framework/src/wire/archive.h"

namespace minimr::runtime {
namespace {

// Thrown from a copier's wait when another copier has failed: it stops at once.
struct Stopped {};

// An exception from the sink, carried out of the copier as it is.
struct SinkFailed {
  std::exception_ptr error;
};

struct Server {
  std::string host;
  uint16_t port = 0;
  std::vector<size_t> outputs;  // indexes into the locations, in order
};

class Copy {
 public:
  Copy(const std::vector<wire::MapOutputLocation>& outputs, uint64_t job_id, int partition,
       FetchConnections& connections, const TaskControl& control, FetchSink& sink)
      : outputs_(outputs),
        job_id_(job_id),
        partition_(partition),
        connections_(connections),
        control_(control),
        sink_(sink) {
    std::map<std::pair<std::string, uint16_t>, size_t> index;
    for (size_t m = 0; m < outputs.size(); ++m) {
      auto [it, added] = index.try_emplace({outputs[m].host, outputs[m].port}, servers_.size());
      if (added) servers_.push_back(Server{outputs[m].host, outputs[m].port, {}});
      servers_[it->second].outputs.push_back(m);
    }
  }

  size_t servers() const { return servers_.size(); }

  // A copier: takes servers no other copier has taken, until none is left or the copy stops.
  void Copier() {
    for (;;) {
      size_t s;
      {
        std::lock_guard lock(mu_);
        if (stop_ || next_server_ == servers_.size()) return;
        s = next_server_++;
      }
      try {
        FetchFrom(servers_[s]);
      } catch (const Stopped&) {
        return;
      } catch (const SinkFailed& e) {
        return Fail(e.error);
      } catch (const TaskKilled&) {
        return Fail(std::current_exception());
      } catch (const std::exception& e) {
        std::vector<wire::MapOutputLocation> lost;
        for (size_t m : servers_[s].outputs) lost.push_back(outputs_[m]);
        return Fail(std::make_exception_ptr(FetchFailure(e.what(), std::move(lost))));
      }
    }
  }

  // Rethrows the first failure, if any.
  void Check() {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void Fail(std::exception_ptr error) {
    std::lock_guard lock(mu_);
    if (!error_) error_ = std::move(error);
    stop_ = true;
  }

  std::string Where(size_t m) const {
    const wire::MapOutputLocation& at = outputs_[m];
    return "map task " + std::to_string(at.map_task) + "'s output on " + at.host + ":" +
           std::to_string(at.port);
  }

  void FetchFrom(const Server& server) {
    try {
      FetchOnce(server);
    } catch (const Stale&) {
      // A kept connection the server had closed while it was idle: once more on a new one.
      FetchOnce(server);
    }
  }

  // Thrown when a connection taken from the pool fails before anything has come back on it.
  struct Stale {};

  void FetchOnce(const Server& server) {
    auto on_wait = [this] {
      if (stop_) throw Stopped{};
      control_.CheckCancel();
    };
    std::unique_ptr<wire::BlockingClient> client;
    bool reused = false;
    try {
      client = connections_.Take(server.host, server.port, &reused, on_wait);
    } catch (const TaskKilled&) {
      throw;
    } catch (const std::exception& e) {
      throw std::runtime_error("fetching " + Where(server.outputs[0]) + ": " + e.what());
    }
    bool heard = false;
    const std::vector<size_t>& wanted = server.outputs;
    size_t sent = 0;
    auto send_next = [&] {
      const wire::MapOutputLocation& at = outputs_[wanted[sent]];
      client->Send(wire::MessageType::kFetchRequest,
                   wire::Encode(wire::FetchRequest{job_id_, at.map_task, at.attempt, partition_}));
      ++sent;
    };
    size_t done = 0;
    uint64_t received = 0;
    wire::MessageType type;
    std::string body;
    try {
      while (sent < wanted.size() && sent < kFetchPipelineDepth) send_next();
      while (done < wanted.size()) {
        client->Receive(&type, &body, on_wait);
        heard = true;
        if (type == wire::MessageType::kFetchData) {
          received += body.size();
          Deliver([&] { sink_.Piece(wanted[done], body); });
        } else if (type == wire::MessageType::kFetchEnd) {
          wire::FetchEnd end;
          wire::Decode(body, end);
          if (!end.ok) throw std::runtime_error(end.error);
          if (end.bytes != received) throw std::runtime_error("incomplete transfer");
          Deliver([&] { sink_.Done(wanted[done], received); });
          received = 0;
          ++done;
          if (sent < wanted.size()) send_next();
        } else {
          throw std::runtime_error("unexpected message");
        }
      }
    } catch (const std::exception& e) {
      if (dynamic_cast<const TaskKilled*>(&e)) throw;
      if (reused && !heard) throw Stale{};
      throw std::runtime_error("fetching " + Where(wanted[std::min(done, wanted.size() - 1)]) +
                               ": " + e.what());
    }
    // Every request was answered in full: the connection is clean for the next fetch.
    connections_.GiveBack(server.host, server.port, std::move(client));
  }

  template <class Fn>
  void Deliver(Fn fn) {
    control_.CheckCancel();
    try {
      fn();
    } catch (...) {
      throw SinkFailed{std::current_exception()};
    }
  }

  const std::vector<wire::MapOutputLocation>& outputs_;
  uint64_t job_id_;
  int partition_;
  FetchConnections& connections_;
  const TaskControl& control_;
  FetchSink& sink_;
  std::vector<Server> servers_;
  std::mutex mu_;
  size_t next_server_ = 0;
  std::atomic<bool> stop_{false};
  std::exception_ptr error_;
};

}  // namespace

void FetchMapOutputs(const std::vector<wire::MapOutputLocation>& outputs, uint64_t job_id,
                     int partition, int copies, FetchConnections& connections,
                     const TaskControl& control, FetchSink& sink) {
  Copy copy(outputs, job_id, partition, connections, control, sink);
  size_t threads = std::min<size_t>(static_cast<size_t>(std::max(copies, 1)), copy.servers());
  std::vector<std::thread> helpers;
  for (size_t i = 1; i < threads; ++i) helpers.emplace_back([&copy] { copy.Copier(); });
  copy.Copier();
  for (std::thread& t : helpers) t.join();
  copy.Check();
}

}  // namespace minimr::runtime
