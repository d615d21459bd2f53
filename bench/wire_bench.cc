// What the wire costs: the frame MAC alone (HMAC-SHA256 of one frame), the encoding of a task's
// two messages, and a bulk transfer over loopback as a worker serves map output (1 MiB frames,
// the next one queued once the last is written) in plain TCP and in TLS, with the MAC on every
// frame either way.
#include <benchmark/benchmark.h>

#include <thread>

#include "framework/src/wire/blocking_client.h"
#include "framework/src/wire/frame_mac.h"
#include "framework/src/wire/listener.h"
#include "framework/src/wire/tls.h"

namespace minimr::wire {
namespace {

void BM_FrameMac(benchmark::State& state) {
  FrameMac mac(NewKey());
  std::string frame(static_cast<size_t>(state.range(0)) + kFrameHeaderBytes + 1 + kFrameMacBytes,
                    'x');
  for (auto _ : state) {
    mac.Seal(&frame);
    benchmark::DoNotOptimize(frame.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_FrameMac)->Arg(64)->Arg(kFetchPieceBytes);

// The two messages of every task, as the master encodes an assignment (a map task of the word
// count) and decodes a report.
TaskAssignment SampleAssignment() {
  TaskAssignment assignment;
  TaskSpec& task = assignment.task;
  task.job_id = 1;
  task.job_name = "wordcount";
  task.params = {{"lowercase", "false"}};
  task.index = 12345;
  task.offset = 12345;
  task.length = 1;
  return assignment;
}

void BM_EncodeTaskAssignment(benchmark::State& state) {
  const TaskAssignment assignment = SampleAssignment();
  for (auto _ : state) benchmark::DoNotOptimize(Encode(assignment));
}
BENCHMARK(BM_EncodeTaskAssignment);

void BM_DecodeTaskReport(benchmark::State& state) {
  TaskReport report;
  report.job_id = 1;
  report.index = 12345;
  report.ok = true;
  report.counters = {{"map.input_records", 1}, {"map.output_records", 1}};
  const std::string bytes = Encode(report);
  for (auto _ : state) {
    TaskReport decoded;
    Decode(bytes, decoded);
    benchmark::DoNotOptimize(decoded.index);
  }
}
BENCHMARK(BM_DecodeTaskReport);

// A server that answers each kFetchRequest with `pieces` frames of kFetchPieceBytes, then a
// kFetchEnd, as Worker::ServeFetch does.
class PieceServer {
 public:
  PieceServer(Security security, int pieces) : pieces_(pieces) {
    listener_ = std::make_shared<Listener>(
        io_, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0),
        std::move(security), ListenerLimits{}, [](const std::string&) {});
    listener_->Start([this](std::shared_ptr<Session> session) {
      std::weak_ptr<Session> weak = session;
      session->Start(
          Session::Role::kServer, nullptr,
          [this, weak](MessageType, std::string_view) {
            auto left = std::make_shared<int>(pieces_);
            auto next = std::make_shared<std::function<void()>>();
            *next = [weak, left, next] {
              auto s = weak.lock();
              if (!s || s->closed()) return void(*next = nullptr);
              if ((*left)-- == 0) {
                s->Send(MessageType::kFetchEnd, "");
                return void(*next = nullptr);
              }
              s->Send(MessageType::kFetchData, std::string(kFetchPieceBytes, 'm'));
              s->WhenSent(*next);
            };
            (*next)();
          },
          [](const std::string&) {});
    });
    thread_ = std::thread([this] { io_.run(); });
  }
  ~PieceServer() {
    boost::asio::post(io_, [this] { listener_->Close(); });
    io_.stop();
    thread_.join();
  }
  uint16_t port() const { return listener_->port(); }

 private:
  int pieces_;
  boost::asio::io_context io_;
  std::shared_ptr<Listener> listener_;
  std::thread thread_;
};

void Transfer(benchmark::State& state, bool tls) {
  constexpr int kPieces = 64;  // 64 MiB a transfer
  Key key = NewKey();
  Security server(key), client(key);
  if (tls) {
    TlsIdentity identity = MakeTlsIdentity();
    server.tls_server = MakeTlsServerContext(identity);
    client.tls_client = MakeTlsClientContext(CertificateSha256(identity.certificate_pem));
  }
  PieceServer pieces(server, kPieces);
  for (auto _ : state) {
    BlockingClient fetch("127.0.0.1", pieces.port(), client);
    fetch.Send(MessageType::kFetchRequest, "");
    MessageType type;
    std::string body;
    do {
      fetch.Receive(&type, &body);
    } while (type == MessageType::kFetchData);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * kPieces *
                          static_cast<int64_t>(kFetchPieceBytes));
}
void BM_TransferPlain(benchmark::State& state) { Transfer(state, false); }
void BM_TransferTls(benchmark::State& state) { Transfer(state, true); }
BENCHMARK(BM_TransferPlain)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_TransferTls)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace minimr::wire

BENCHMARK_MAIN();
