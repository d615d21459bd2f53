// For the wire's tests: a Listener on loopback whose sessions echo every frame back, run on a
// thread of its own, remembering what the listener logged and why each connection closed.
#pragma once

#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "framework/src/wire/listener.h"

namespace minimr::wire {

class EchoServer {
 public:
  explicit EchoServer(Security security, ListenerLimits limits = {}) {
    listener_ = std::make_shared<Listener>(
        io_, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0),
        std::move(security), limits, [this](const std::string& line) { Remember(&log_, line); });
    listener_->Start([this](std::shared_ptr<Session> session) {
      std::weak_ptr<Session> weak = session;
      session->Start(
          Session::Role::kServer, nullptr,
          [weak](MessageType type, std::string_view body) {
            if (auto s = weak.lock()) s->Send(type, std::string(body));
          },
          [this](const std::string& reason) { Remember(&reasons_, reason); });
    });
    thread_ = std::thread([this] { io_.run(); });
  }
  ~EchoServer() {
    boost::asio::post(io_, [this] { listener_->Close(); });
    work_.reset();
    io_.stop();
    thread_.join();
  }

  uint16_t port() const { return listener_->port(); }

  // Waits up to 20 s for a connection to close with a reason that contains `text`.
  bool WaitForReason(const std::string& text) { return WaitFor(&reasons_, text); }
  // Waits up to 20 s for the listener to log a line that contains `text`.
  bool WaitForLog(const std::string& text) { return WaitFor(&log_, text); }
  std::string Reasons() { return Join(reasons_); }
  std::string Log() { return Join(log_); }

  // Runs `fn` on the server's thread and returns what it returns.
  template <class Fn>
  auto OnServerThread(Fn fn) {
    std::packaged_task<decltype(fn(*listener_))()> task([&] { return fn(*listener_); });
    auto result = task.get_future();
    boost::asio::post(io_, [&] { task(); });
    return result.get();
  }

 private:
  void Remember(std::vector<std::string>* lines, const std::string& line) {
    std::lock_guard lock(mu_);
    lines->push_back(line);
  }
  bool WaitFor(std::vector<std::string>* lines, const std::string& text) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
      {
        std::lock_guard lock(mu_);
        for (const auto& line : *lines) {
          if (line.find(text) != std::string::npos) return true;
        }
      }
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  std::string Join(const std::vector<std::string>& lines) {
    std::lock_guard lock(mu_);
    std::string text;
    for (const auto& line : lines) text += line + "\n";
    return text;
  }

  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::shared_ptr<Listener> listener_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> reasons_, log_;
};

}  // namespace minimr::wire
