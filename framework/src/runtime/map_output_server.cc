#include "framework/src/runtime/map_output_server.h"

#include <algorithm>
#include <cstring>
#include <deque>

#include "framework/src/wire/archive.h"
#include "framework/src/wire/messages.h"
#include "framework/src/wire/session.h"
#include "minimr/input.h"

namespace minimr::runtime {

struct MapOutputServer::State {
  std::shared_ptr<wire::Listener> listener;
  Lookup lookup;
  bool hang = false;
  int64_t connections = 0;  // on the io thread
};

// One reduce side's connection: its queue of requests, answered one at a time.
class MapOutputServer::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<State> state, std::weak_ptr<wire::Session> session)
      : state_(std::move(state)), session_(std::move(session)) {}

  void OnRequest(std::string_view body) {
    wire::FetchRequest request;
    wire::Decode(body, request);
    if (state_->hang) return;  // injected: never answer
    if (queue_.size() >= kMaxQueuedFetches) {
      throw wire::DecodeError("more than " + std::to_string(kMaxQueuedFetches) +
                              " fetch requests waiting on one connection");
    }
    queue_.push_back(request);
    if (!busy_) ServeNext();
  }

 private:
  void ServeNext() {
    auto session = session_.lock();
    if (queue_.empty() || !session || session->closed()) {
      busy_ = false;
      return;
    }
    busy_ = true;
    wire::FetchRequest request = queue_.front();
    queue_.pop_front();
    std::optional<StoredMapOutput> output =
        state_->lookup(request.job_id, request.map_task, request.attempt);
    int partitions = output ? static_cast<int>(output->index.size()) - 1 : 0;
    if (!output || request.partition < 0 || request.partition >= partitions) {
      return Finish(*session, wire::FetchEnd{false,
                                             "no output of map task " +
                                                 std::to_string(request.map_task) + " attempt " +
                                                 std::to_string(request.attempt) + " partition " +
                                                 std::to_string(request.partition) + " here",
                                             0},
                    false);
    }
    start_ = offset_ = output->index[request.partition];
    end_ = output->index[request.partition + 1];
    file_.reset();
    bytes_ = output->bytes;
    if (end_ > start_ && !bytes_) {
      try {
        file_ = std::make_unique<FileReader>(output->path);
      } catch (const std::exception& e) {
        return Finish(*session, wire::FetchEnd{false, e.what(), 0}, false);
      }
    }
    SendPiece();
  }

  // Sends the next piece, and the next once that one is written; the end right after the last
  // piece, so that both go out in one write.
  void SendPiece() {
    auto session = session_.lock();
    if (!session || session->closed()) return;
    size_t n = 0;
    try {
      if (offset_ < end_) {
        n = static_cast<size_t>(std::min<uint64_t>(wire::kFetchPieceBytes, end_ - offset_));
        session->SendFilled(wire::MessageType::kFetchData, n, [&](char* piece) {
          if (bytes_) {
            if (bytes_->size() < offset_ + n) {
              throw std::runtime_error("a map output in memory is shorter than its index says");
            }
            std::memcpy(piece, bytes_->data() + offset_, n);
          } else if (file_->ReadAt(offset_, piece, n) != n) {
            throw std::runtime_error(file_->path() + ": shorter than its index says");
          }
        });
        offset_ += n;
        if (offset_ < end_) {
          session->WhenSent([self = shared_from_this()] { self->SendPiece(); });
          return;
        }
      }
      file_.reset();
      bytes_.reset();
      Finish(*session, wire::FetchEnd{true, "", end_ - start_}, n > kSmallPiece);
    } catch (const std::exception& e) {
      file_.reset();
      bytes_.reset();
      Finish(*session, wire::FetchEnd{false, e.what(), 0}, false);
    }
  }

  // Answers the request with `end`, then the next request: at once after a small answer, after
  // the answer is written when it was large, so that queued answers never pile up in memory.
  void Finish(wire::Session& session, const wire::FetchEnd& end, bool wait) {
    session.SendMessage(wire::MessageType::kFetchEnd, end);
    if (wait) {
      session.WhenSent([self = shared_from_this()] { self->ServeNext(); });
    } else {
      ServeNext();
    }
  }

  static constexpr size_t kSmallPiece = 64u << 10;

  std::shared_ptr<State> state_;
  std::weak_ptr<wire::Session> session_;
  std::deque<wire::FetchRequest> queue_;
  bool busy_ = false;
  std::unique_ptr<FileReader> file_;
  std::shared_ptr<const std::string> bytes_;  // the output being sent, when kept in memory
  uint64_t start_ = 0, offset_ = 0, end_ = 0;
};

MapOutputServer::MapOutputServer(boost::asio::io_context& io,
                                 const boost::asio::ip::tcp::endpoint& endpoint,
                                 const wire::Security& security,
                                 const wire::ListenerLimits& limits, wire::Listener::Log log,
                                 Lookup lookup, bool hang)
    : state_(std::make_shared<State>()) {
  state_->lookup = std::move(lookup);
  state_->hang = hang;
  state_->listener = std::make_shared<wire::Listener>(io, endpoint, security, limits, log);
  std::weak_ptr<State> weak_state = state_;
  state_->listener->Start([weak_state](std::shared_ptr<wire::Session> session) {
    auto state = weak_state.lock();
    if (!state) return;
    auto connection = std::make_shared<Connection>(state, session);
    std::weak_ptr<wire::Session> weak = session;
    session->Start(
        wire::Session::Role::kServer,
        [weak_state] {
          if (auto s = weak_state.lock()) ++s->connections;
        },
        [connection](wire::MessageType type, std::string_view body) {
          if (type != wire::MessageType::kFetchRequest) {
            throw wire::DecodeError("unexpected message on the map-output port");
          }
          connection->OnRequest(body);
        },
        [weak_state, weak](const std::string& reason) {
          auto s = weak.lock();
          auto state = weak_state.lock();
          if (reason.empty() || !s || !state ||
              (s->ready() && reason == "connection closed by peer")) {
            return;
          }
          state->listener->Note("refused", (s->ready() ? "closed the connection from "
                                                       : "refused a connection from ") +
                                               s->peer() + ": " + reason);
        });
  });
}

MapOutputServer::~MapOutputServer() { Close(); }

uint16_t MapOutputServer::port() const { return state_->listener->port(); }

void MapOutputServer::Close() { state_->listener->Close(); }

int64_t MapOutputServer::connections() const { return state_->connections; }

}  // namespace minimr::runtime
