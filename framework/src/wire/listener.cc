#include "framework/src/wire/listener.h"

#include <list>
#include <map>

namespace minimr::wire {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kFirstBackoff = std::chrono::milliseconds(50);
constexpr auto kLastBackoff = std::chrono::milliseconds(200);
// Notes of one kind: at most kNotesPerWindow lines in each window, the rest counted.
constexpr auto kNoteWindow = std::chrono::seconds(10);
constexpr int kNotesPerWindow = 20;

// Errors that concern the one connection being accepted, not the listener: accept again at once.
bool OnlyThatConnection(const boost::system::error_code& ec) {
  return ec == asio::error::connection_aborted || ec == asio::error::connection_reset ||
         ec == asio::error::no_permission ||
         ec == boost::system::error_code(EPROTO, boost::system::system_category());
}

std::string Ms(Clock::duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}

}  // namespace

// Shared with the tokens that sessions hold, which may outlive the listener.
struct Listener::Counts {
  std::list<std::weak_ptr<Session>> handshaking;  // oldest first
  std::map<std::string, size_t> per_address;
  struct Note {
    Clock::time_point window_start{};
    int said = 0;
    uint64_t unsaid = 0;
  };
  std::map<std::string, Note> notes;
};

Listener::Listener(asio::io_context& io, const tcp::endpoint& endpoint, Security security,
                   ListenerLimits limits, Log log)
    : acceptor_(io),
      retry_(io),
      security_(std::move(security)),
      limits_(limits),
      log_(std::move(log)),
      counts_(std::make_shared<Counts>()) {
  boost::system::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + endpoint.address().to_string() + ":" +
                             std::to_string(endpoint.port()) + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
}

Listener::~Listener() = default;

void Listener::Start(OnSession on_session) {
  on_session_ = std::move(on_session);
  Accept();
}

void Listener::Close() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  retry_.cancel();
  on_session_ = nullptr;  // and whatever it holds
}

size_t Listener::handshaking() const { return counts_->handshaking.size(); }

size_t Listener::connections_from(const std::string& address) const {
  auto it = counts_->per_address.find(address);
  return it == counts_->per_address.end() ? 0 : it->second;
}

void Listener::Note(const std::string& kind, const std::string& line) {
  Counts::Note& note = counts_->notes[kind];
  auto now = Clock::now();
  if (now - note.window_start >= kNoteWindow) {
    if (note.unsaid > 0) {
      log_("(" + std::to_string(note.unsaid) + " more like the next were not logged in " +
           Ms(now - note.window_start) + ")");
    }
    note = {now, 0, 0};
  }
  if (note.said < kNotesPerWindow) {
    ++note.said;
    log_(line);
  } else {
    ++note.unsaid;
  }
}

void Listener::Accept() {
  acceptor_.async_accept(
      [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
        if (!self->acceptor_.is_open()) return;  // closed
        if (ec) return self->OnAcceptError(ec);
        if (self->failed_accepts_ > 0) {
          self->log_("accepting again after " + std::to_string(self->failed_accepts_) +
                     " failed accepts in " + Ms(Clock::now() - self->failing_since_));
          self->failed_accepts_ = 0;
          self->backoff_ = std::chrono::milliseconds(0);
        }
        self->OnAccepted(std::move(socket));
        self->Accept();
      });
}

void Listener::OnAcceptError(const boost::system::error_code& ec) {
  if (OnlyThatConnection(ec)) return Accept();
  // Out of file descriptors, buffers or memory: the connection waits in the kernel's queue while
  // this side pauses, so as not to spin on an accept that fails at once.
  if (failed_accepts_++ == 0) {
    failing_since_ = Clock::now();
    log_("accept failed: " + ec.message() + "; retrying every " + Ms(kFirstBackoff) + " to " +
         Ms(kLastBackoff) + " while it lasts");
  }
  backoff_ = backoff_.count() == 0 ? kFirstBackoff : std::min(2 * backoff_, kLastBackoff);
  retry_.expires_after(backoff_);
  retry_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec && self->acceptor_.is_open()) self->Accept();
  });
}

void Listener::OnAccepted(tcp::socket socket) {
  boost::system::error_code ec;
  auto remote = socket.remote_endpoint(ec);
  if (ec) return;  // gone already
  std::string address = remote.address().to_string();
  Counts& counts = *counts_;
  if (size_t open = connections_from(address); open >= limits_.max_per_address) {
    Note("address", "refused a connection from " + address + ": it has " + std::to_string(open) +
                        " open, the most one address may have");
    socket.close(ec);
    return;
  }
  while (counts.handshaking.size() >= limits_.max_handshaking) {
    std::shared_ptr<Session> oldest = counts.handshaking.front().lock();
    // A session leaves the list as it closes or is destroyed, so this does not happen.
    if (!oldest || oldest->closed()) break;
    std::string reason = "cut in its handshake: " + std::to_string(limits_.max_handshaking) +
                         " connections were in their handshake and another came";
    Note("handshaking", "connection from " + oldest->peer() + " " + reason);
    oldest->Abort(reason);  // its token takes it off the list
  }

  auto session = std::make_shared<Session>(std::move(socket), security_);
  session->SetHandshakeTimeout(limits_.handshake_timeout);
  ++counts.per_address[address];
  std::weak_ptr<Counts> weak = counts_;
  session->HoldUntilClosed(std::shared_ptr<void>(nullptr, [weak, address](void*) {
    if (auto counts = weak.lock()) {
      auto it = counts->per_address.find(address);
      if (it != counts->per_address.end() && --it->second == 0) counts->per_address.erase(it);
    }
  }));
  auto entry = counts.handshaking.insert(counts.handshaking.end(), session);
  session->HoldUntilReady(std::shared_ptr<void>(nullptr, [weak, entry](void*) {
    if (auto counts = weak.lock()) counts->handshaking.erase(entry);
  }));
  if (on_session_) on_session_(std::move(session));
}

}  // namespace minimr::wire
