// The wire under attack, through real master, worker and client processes on loopback: relays
// that change, replay or reorder frames; connections that send garbage, half frames, huge
// lengths, forged frames and replayed handshakes while a job runs; bursts of connections that
// use up the file descriptors of a master and a worker; and clusters in TLS. Every job's output
// is compared byte for byte with the same job run without an attack.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <thread>

#include "framework/src/util/process.h"
#include "framework/src/wire/archive.h"
#include "framework/src/wire/asio.h"
#include "framework/src/wire/blocking_client.h"
#include "framework/src/wire/connection_file.h"
#include "framework/src/wire/handshake.h"
#include "tests/common/raw_peer.h"
#include "tests/integration/harness.h"

namespace minimr {
namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;
using asio::ip::tcp;
using std::chrono::seconds;
using testing::IsStopped;
using testing::Minimr;
using testing::RawPeer;
using testing::ReadFile;
using testing::ReadPartFiles;
using testing::Result;
using testing::Shell;
using testing::TempDir;
using testing::TestCluster;
using testing::WaitUntilStopped;
using wire::MessageType;

// A TCP relay on loopback in front of a server. With a policy it passes each connection's
// handshake through untouched and then hands every frame, whole, to the policy, which returns
// the bytes to pass on in its place (the frame, a changed frame, two frames, or nothing for now).
// Without one it passes bytes as they come and records them all.
class Relay {
 public:
  enum class Direction { kToServer, kToClient };
  // Called on the relay's thread, one frame at a time.
  using Policy = std::function<std::string(Direction direction, const std::string& frame)>;

  Relay(uint16_t server_port, Policy policy)
      : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}),
        server_port_(server_port),
        policy_(std::move(policy)) {
    Accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Relay() {
    asio::post(io_, [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      for (auto& link : links_) link->Close();
    });
    thread_.join();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string Captured() {
    std::lock_guard lock(mu_);
    return captured_;
  }

 private:
  struct Link {
    explicit Link(asio::io_context& io) : client(io), server(io) {}
    void Close() {
      boost::system::error_code ignored;
      client.close(ignored);
      server.close(ignored);
    }
    tcp::socket client, server;
  };
  // One direction of a link.
  struct Pump {
    std::shared_ptr<Link> link;
    tcp::socket* from;
    tcp::socket* to;
    Direction direction;
    std::string buffer;
  };

  void Accept() {
    auto link = std::make_shared<Link>(io_);
    acceptor_.async_accept(link->client, [this, link](boost::system::error_code ec) {
      if (ec) return;
      links_.push_back(link);
      link->server.async_connect({asio::ip::make_address("127.0.0.1"), server_port_},
                                 [this, link](boost::system::error_code ec) {
                                   if (ec) return link->Close();
                                   Start(link, &link->client, &link->server, Direction::kToServer);
                                   Start(link, &link->server, &link->client, Direction::kToClient);
                                 });
      Accept();
    });
  }

  void Start(std::shared_ptr<Link> link, tcp::socket* from, tcp::socket* to, Direction d) {
    auto pump = std::make_shared<Pump>(Pump{std::move(link), from, to, d, {}});
    if (!policy_) return Raw(pump);
    // Each side's hello, then its proof, pass as they are.
    Read(pump, wire::kHelloBytes, [this, pump] {
      Write(pump, pump->buffer, [this, pump] {
        Read(pump, wire::kProofBytes,
             [this, pump] { Write(pump, pump->buffer, [this, pump] { NextFrame(pump); }); });
      });
    });
  }

  void Raw(std::shared_ptr<Pump> pump) {
    pump->buffer.resize(64 << 10);
    pump->from->async_read_some(asio::buffer(pump->buffer),
                                [this, pump](boost::system::error_code ec, size_t n) {
                                  if (ec) return pump->link->Close();
                                  pump->buffer.resize(n);
                                  {
                                    std::lock_guard lock(mu_);
                                    captured_ += pump->buffer;
                                  }
                                  Write(pump, pump->buffer, [this, pump] { Raw(pump); });
                                });
  }

  void NextFrame(std::shared_ptr<Pump> pump) {
    Read(pump, wire::kFrameHeaderBytes, [this, pump] {
      std::array<uint8_t, wire::kFrameHeaderBytes> header;
      std::copy(pump->buffer.begin(), pump->buffer.end(), header.begin());
      std::string head = pump->buffer;
      uint32_t length = wire::DecodeFrameLength(header);
      if (length == 0 || length > wire::kMaxFrameBytes) return pump->link->Close();
      Read(pump, length + wire::kFrameMacBytes, [this, pump, head] {
        std::string out = policy_(pump->direction, head + pump->buffer);
        if (out.empty()) return NextFrame(pump);
        Write(pump, out, [this, pump] { NextFrame(pump); });
      });
    });
  }

  void Read(std::shared_ptr<Pump> pump, size_t n, std::function<void()> then) {
    pump->buffer.resize(n);
    asio::async_read(*pump->from, asio::buffer(pump->buffer),
                     [pump, then](boost::system::error_code ec, size_t) {
                       if (ec) return pump->link->Close();
                       then();
                     });
  }
  void Write(std::shared_ptr<Pump> pump, std::string bytes, std::function<void()> then) {
    auto data = std::make_shared<std::string>(std::move(bytes));
    asio::async_write(*pump->to, asio::buffer(*data),
                      [pump, data, then](boost::system::error_code ec, size_t) {
                        if (ec) return pump->link->Close();
                        then();
                      });
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  uint16_t server_port_;
  Policy policy_;
  std::vector<std::shared_ptr<Link>> links_;
  std::thread thread_;
  std::mutex mu_;
  std::string captured_;
};

MessageType TypeOf(const std::string& frame) {
  return static_cast<MessageType>(frame[wire::kFrameHeaderBytes]);
}

// Connections to a server that each do the real handshake with the cluster's key and then stay
// open until CloseAll(): `total` of them, at most 32 in their handshake at a time (so that the
// server's cap on handshakes does not cut them).
class Burst {
 public:
  Burst(uint16_t port, const wire::Key& key, int total) : port_(port), key_(key), total_(total) {
    for (int i = 0; i < kInFlight; ++i) OpenNext();
  }
  // Runs the connections until `done()` or 120 s have passed; returns done().
  bool RunUntil(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + seconds(120);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.run_for(std::chrono::milliseconds(50));
    }
    return true;
  }
  void CloseAll() {
    for (auto& conn : conns_) {
      boost::system::error_code ignored;
      conn->socket.close(ignored);
    }
    io_.run_for(std::chrono::milliseconds(200));
  }
  int completed() const { return completed_; }
  int failed() const { return failed_; }
  const std::string& last_error() const { return last_error_; }

 private:
  static constexpr int kInFlight = 32;
  struct Conn {
    explicit Conn(asio::io_context& io) : socket(io) {}
    tcp::socket socket;
    wire::Nonce nonce = wire::NewNonce(), theirs{};
    wire::Hello hello{}, their_hello{};
    wire::Proof proof{}, their_proof{};
  };
  void OpenNext() {
    if (static_cast<int>(conns_.size()) >= total_) return;
    auto conn = std::make_shared<Conn>(io_);
    conns_.push_back(conn);
    conn->socket.async_connect({asio::ip::make_address("127.0.0.1"), port_},
                               [this, conn](boost::system::error_code ec) {
                                 if (ec) return Failed(conn, ec);
                                 SendHello(conn);
                               });
  }
  void SendHello(std::shared_ptr<Conn> conn) {
    conn->hello = wire::MakeHello(conn->nonce);
    asio::async_write(conn->socket, asio::buffer(conn->hello),
                      [this, conn](boost::system::error_code ec, size_t) {
                        if (ec) return Failed(conn, ec);
                        asio::async_read(conn->socket, asio::buffer(conn->their_hello),
                                         [this, conn](boost::system::error_code ec, size_t) {
                                           if (ec) return Failed(conn, ec);
                                           SendProof(conn);
                                         });
                      });
  }
  void SendProof(std::shared_ptr<Conn> conn) {
    uint8_t flags;
    wire::ParseHelloRest(conn->their_hello.data() + wire::kHelloPrefixBytes, &flags, &conn->theirs);
    conn->proof = wire::ClientProof(key_, conn->theirs, conn->nonce);
    asio::async_write(conn->socket, asio::buffer(conn->proof),
                      [this, conn](boost::system::error_code ec, size_t) {
                        if (ec) return Failed(conn, ec);
                        asio::async_read(conn->socket, asio::buffer(conn->their_proof),
                                         [this, conn](boost::system::error_code ec, size_t) {
                                           if (ec) return Failed(conn, ec);
                                           ++completed_;
                                           OpenNext();
                                         });
                      });
  }
  void Failed(std::shared_ptr<Conn> conn, const boost::system::error_code& ec) {
    ++failed_;
    last_error_ = ec.message();
    boost::system::error_code ignored;
    conn->socket.close(ignored);
    OpenNext();
  }

  asio::io_context io_;
  uint16_t port_;
  wire::Key key_;
  int total_;
  std::vector<std::shared_ptr<Conn>> conns_;
  int completed_ = 0;
  int failed_ = 0;
  std::string last_error_;
};

// Whether some line of `log` contains every one of `parts`.
bool HasLineWith(const std::string& log, const std::vector<std::string>& parts) {
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    bool all = true;
    for (const auto& part : parts) all = all && line.find(part) != std::string::npos;
    if (all) return true;
  }
  return false;
}

// The port a worker serves map output on, from the master's log.
uint16_t DataPort(const std::string& master_log, const std::string& worker_name) {
  std::smatch match;
  std::regex line("\\(" + worker_name +
                  "\\) registered from \\S+, serving map output on "
                  "[0-9.]+:([0-9]+)");
  if (!std::regex_search(master_log, match, line)) return 0;
  return static_cast<uint16_t>(std::stoi(match[1]));
}

// The cluster's connection file, but pointing at `port` (a relay's), written to `path`.
std::string ConnectionFileVia(const std::string& connection_file, uint16_t port,
                              const fs::path& path) {
  wire::ConnectionInfo info = wire::ReadConnectionFile(connection_file);
  info.port = port;
  wire::WriteConnectionFile(path.string(), info);
  return path.string();
}

// One million digits of pi in four files; the pair counts over them, in 64 KiB splits with two
// reduce tasks and no speculation, as a run without any attack gives them.
class WireAttack : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("wire-attack");
    Result r = Shell(Minimr() + " pi generate --digits 1000000 --files 4 --out " +
                     (dir_->path() / "pi").string());
    ASSERT_EQ(r.status, 0) << r.output;
    std::string reference = JobFile("reference", dir_->path() / "reference");
    r = Shell("timeout 300 " + Minimr() + " run " + reference);
    ASSERT_EQ(r.status, 0) << r.output;
    reference_ = new std::map<std::string, std::string>(
        ReadPartFiles((dir_->path() / "reference").string()));
    ASSERT_EQ(reference_->size(), 2u);
  }
  static void TearDownTestSuite() {
    delete reference_;
    delete dir_;
  }

  static std::string JobFile(const std::string& name, const fs::path& out) {
    fs::path path = dir_->path() / (name + ".yaml");
    std::ofstream(path) << "job: pidigits\n"
                           "params: {n: 2}\n"
                           "input:\n"
                           "  paths: "
                        << (dir_->path() / "pi").string()
                        << "/pi*\n"
                           "  split_size: 64KiB\n"
                           "reduce: {tasks: 2}\n"
                           "tasks: {speculation: false}\n"
                           "output: {dir: "
                        << out.string()
                        << "}\n"
                           "cluster: {launcher: local, workers: 2}\n";
    return path.string();
  }
  fs::path Dir(const std::string& name) const { return dir_->path() / name; }
  static const std::map<std::string, std::string>& Reference() { return *reference_; }

  static TempDir* dir_;
  static std::map<std::string, std::string>* reference_;
};
TempDir* WireAttack::dir_;
std::map<std::string, std::string>* WireAttack::reference_;

TEST_F(WireAttack, ARelayThatFlipsAByteOfASubmissionGetsItRefusedUnexecuted) {
  TestCluster cluster(Dir("flip"));
  cluster.AddWorker("w1");
  cluster.AddWorker("w2");
  ASSERT_TRUE(cluster.WaitForRegistrations(2, seconds(30)));
  fs::path out = Dir("flip") / "out-p";
  fs::path altered = Dir("flip") / "out-q";  // 'p' ^ 1
  std::atomic<bool> flipped{false};
  Relay relay(wire::ReadConnectionFile(cluster.connection_file()).port,
              [&](Relay::Direction direction, const std::string& frame) {
                std::string changed = frame;
                size_t at = changed.find(out.string());
                if (direction == Relay::Direction::kToServer &&
                    TypeOf(frame) == MessageType::kSubmitJob && at != std::string::npos) {
                  changed[at + out.string().size() - 1] ^= 1;
                  flipped = true;
                }
                return changed;
              });
  std::string via =
      ConnectionFileVia(cluster.connection_file(), relay.port(), Dir("flip") / "via.json");
  Result r = Shell("timeout 120 " + Minimr() + " submit --connection-file " + via + " " +
                   JobFile("flip", out));
  ASSERT_TRUE(flipped) << "the relay did not find the output directory in the submission";
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("connection closed by peer"), std::string::npos) << r.output;
  EXPECT_TRUE(HasLineWith(cluster.MasterLog(),
                          {"refused a connection from 127.0.0.1:", "frame 0 failed its MAC check"}))
      << cluster.MasterLog();
  EXPECT_FALSE(fs::exists(altered)) << "the altered job ran";
  EXPECT_FALSE(fs::exists(out));
  // The cluster is whole: the same job, sent straight, runs.
  Result straight = cluster.Submit(JobFile("flip", out));
  ASSERT_EQ(straight.status, 0) << straight.output;
  EXPECT_EQ(ReadPartFiles(out.string()), Reference());
}

TEST_F(WireAttack, ARelayThatFlipsAByteOfTheResultIsCaughtByTheClient) {
  TestCluster cluster(Dir("flip-result"));
  cluster.AddWorker("w1");
  ASSERT_TRUE(cluster.WaitForRegistrations(1, seconds(30)));
  std::atomic<bool> flipped{false};
  Relay relay(
      wire::ReadConnectionFile(cluster.connection_file()).port,
      [&](Relay::Direction direction, const std::string& frame) {
        std::string changed = frame;
        if (direction == Relay::Direction::kToClient && TypeOf(frame) == MessageType::kJobResult) {
          // The last byte of the body: a counter's value, which still decodes.
          changed[changed.size() - wire::kFrameMacBytes - 1] ^= 1;
          flipped = true;
        }
        return changed;
      });
  std::string via =
      ConnectionFileVia(cluster.connection_file(), relay.port(), Dir("flip-result") / "via.json");
  fs::path out = Dir("flip-result") / "out";
  Result r = Shell("timeout 300 " + Minimr() + " submit --connection-file " + via + " " +
                   JobFile("flip-result", out));
  ASSERT_TRUE(flipped) << r.output;
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("failed its MAC check"), std::string::npos) << r.output;
  // The master did its part: the output is complete and right.
  EXPECT_EQ(ReadPartFiles(out.string()), Reference());
}

// A worker whose frames to the master pass through a relay that meddles with them once; another
// worker connects straight. The meddled worker is cut, its work runs again, the result stands.
class MeddledWorker {
 public:
  MeddledWorker(const fs::path& dir, Relay::Policy policy)
      : cluster_(dir),
        relay_(wire::ReadConnectionFile(cluster_.connection_file()).port, std::move(policy)) {
    cluster_.AddWorker("straight");
    relayed_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{Minimr(), "worker", "--connection-file",
                                 cluster_.connection_file(), "--master",
                                 "127.0.0.1:" + std::to_string(relay_.port()), "--work-dir",
                                 dir.string(), "--name", "relayed"},
        (dir / "relayed.log").string());
  }
  ~MeddledWorker() {
    relayed_->Signal(SIGTERM);
    relayed_->WaitFor(seconds(20));
  }
  TestCluster& cluster() { return cluster_; }
  std::string RelayedLog() const { return ReadFile(cluster_.dir() / "relayed.log"); }

 private:
  TestCluster cluster_;
  Relay relay_;
  std::unique_ptr<ChildProcess> relayed_;
};

TEST_F(WireAttack, ARelayThatReplaysAFrameOfAWorkerGetsItCutAndTheResultStands) {
  std::atomic<bool> replayed{false};
  MeddledWorker setup(Dir("replay"), [&](Relay::Direction direction, const std::string& frame) {
    if (direction == Relay::Direction::kToServer && !replayed &&
        TypeOf(frame) == MessageType::kTaskReport) {
      replayed = true;
      return frame + frame;
    }
    return frame;
  });
  ASSERT_TRUE(setup.cluster().WaitForRegistrations(2, seconds(30))) << setup.cluster().MasterLog();
  fs::path out = Dir("replay") / "out";
  Result r = setup.cluster().Submit(JobFile("replay", out));
  ASSERT_EQ(r.status, 0) << r.output << setup.cluster().MasterLog();
  ASSERT_TRUE(replayed) << "the relayed worker reported no task";
  EXPECT_TRUE(HasLineWith(setup.cluster().MasterLog(),
                          {"lost worker", "(relayed)", "failed its MAC check"}))
      << setup.cluster().MasterLog();
  EXPECT_EQ(ReadPartFiles(out.string()), Reference());
}

TEST_F(WireAttack, ARelayThatReordersTwoFramesOfAWorkerGetsItCutAndTheResultStands) {
  std::string held;  // on the relay's thread only
  std::atomic<bool> reordered{false};
  MeddledWorker setup(Dir("reorder"), [&](Relay::Direction direction, const std::string& frame) {
    if (direction != Relay::Direction::kToServer || reordered) return frame;
    if (held.empty() && TypeOf(frame) == MessageType::kTaskReport) {
      held = frame;  // passed on after the next one
      return std::string();
    }
    if (held.empty()) return frame;
    reordered = true;
    return frame + held;
  });
  ASSERT_TRUE(setup.cluster().WaitForRegistrations(2, seconds(30))) << setup.cluster().MasterLog();
  fs::path out = Dir("reorder") / "out";
  Result r = setup.cluster().Submit(JobFile("reorder", out));
  ASSERT_EQ(r.status, 0) << r.output << setup.cluster().MasterLog();
  ASSERT_TRUE(reordered) << "the relayed worker sent nothing after its first report";
  EXPECT_TRUE(HasLineWith(setup.cluster().MasterLog(),
                          {"lost worker", "(relayed)", "failed its MAC check"}))
      << setup.cluster().MasterLog();
  EXPECT_EQ(ReadPartFiles(out.string()), Reference());
}

// While a job runs (held running: one worker stops itself at its first task until the test lets
// it go on), connections send what no member would; each is cut, the master stays up and the
// job's output is the one a quiet run gives.
TEST_F(WireAttack, GarbageHalfFramesHugeLengthsForgeriesAndReplaysLeaveARunningJobAlone) {
  TestCluster cluster(Dir("garbage"), {"--worker-timeout", "120s"});
  size_t held = cluster.AddWorker("held", "stall@map:*#0");
  cluster.AddWorker("free");
  ASSERT_TRUE(cluster.WaitForRegistrations(2, seconds(30)));
  wire::ConnectionInfo info = wire::ReadConnectionFile(cluster.connection_file());
  fs::path out = Dir("garbage") / "out";
  fs::path forged_out = Dir("garbage") / "forged";
  auto submit = cluster.StartSubmit(JobFile("garbage", out), {});
  ASSERT_TRUE(WaitUntilStopped(cluster.worker(held).pid(), seconds(60)));

  // A genuine connection, recorded, to replay its bytes and frames.
  std::string recorded, recorded_frame;
  {
    RawPeer member(info.host, info.port);
    ASSERT_TRUE(member.Handshake(info.key));
    recorded_frame = member.Seal(MessageType::kClusterStatus, "");
    ASSERT_TRUE(member.Write(recorded_frame));
    auto reply = member.ReadFrame();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->first, MessageType::kClusterInfo);
    recorded = member.sent();
  }
  wire::JobSubmission forged;
  forged.job_name = "pidigits";
  forged.input_paths = {(dir_->path() / "pi" / "pi1m.ascii.01of04").string()};
  forged.output_dir = forged_out.string();
  std::string forged_body = wire::Encode(forged);

  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    {
      RawPeer garbage(info.host, info.port);
      garbage.Write("GET / HTTP/1.0\r\n\r\n");
      EXPECT_TRUE(garbage.WaitForClose());
    }
    {
      RawPeer huge(info.host, info.port);
      huge.Write(std::string(64, '\xff'));
      EXPECT_TRUE(huge.WaitForClose());
    }
    {
      RawPeer half_hello(info.host, info.port);
      half_hello.Write("MINIMR0" + std::to_string(wire::kProtocolVersion) +
                       std::string("\0\1\2", 3));
      half_hello.ShutdownSend();
      EXPECT_TRUE(half_hello.WaitForClose());
    }
    {
      RawPeer old(info.host, info.port);
      old.Write("MINIMR01" + std::string(64, '\1'));
      EXPECT_TRUE(old.WaitForClose());
    }
    {
      RawPeer huge_frame(info.host, info.port);
      ASSERT_TRUE(huge_frame.Handshake(info.key));
      huge_frame.Write(std::string("\xff\xff\xff\xff", 4) + std::string(100, 'x'));
      EXPECT_TRUE(huge_frame.WaitForClose());
    }
    {
      RawPeer half_frame(info.host, info.port);
      ASSERT_TRUE(half_frame.Handshake(info.key));
      std::string frame = half_frame.Seal(MessageType::kSubmitJob, forged_body);
      half_frame.Write(frame.substr(0, frame.size() / 2));
      half_frame.ShutdownSend();
      EXPECT_TRUE(half_frame.WaitForClose());
    }
    {
      // Holds no key: a frame without a valid MAC, of a kind that would stop the cluster.
      RawPeer forger(info.host, info.port);
      ASSERT_TRUE(forger.Handshake(info.key));
      forger.Write(RawPeer::Unsealed(MessageType::kShutdown, ""));
      EXPECT_TRUE(forger.WaitForClose());
    }
    {
      RawPeer forger(info.host, info.port);
      ASSERT_TRUE(forger.Handshake(info.key));
      forger.Write(RawPeer::Unsealed(MessageType::kSubmitJob, forged_body));
      EXPECT_TRUE(forger.WaitForClose());
    }
    {
      // A frame of another connection, sent on this one.
      RawPeer carrier(info.host, info.port);
      ASSERT_TRUE(carrier.Handshake(info.key));
      carrier.Write(recorded_frame);
      EXPECT_TRUE(carrier.WaitForClose());
    }
    {
      RawPeer replay(info.host, info.port);
      replay.Write(recorded);
      EXPECT_TRUE(replay.WaitForClose());
    }
    ASSERT_TRUE(cluster.master().Running()) << cluster.MasterLog();
  }

  // The job ran beside all of it: it is still under way (the held worker has its task).
  {
    wire::BlockingClient client(info.host, info.port, info.key, seconds(10));
    client.Send(MessageType::kClusterStatus, "");
    MessageType type;
    std::string body;
    client.Receive(&type, &body);
    wire::ClusterInfo status;
    wire::Decode(body, status);
    ASSERT_EQ(status.jobs_queued, 1);
    ASSERT_EQ(status.workers.size(), 2u);
  }
  // The held worker stops again at each map task it starts; let it go on each time.
  auto deadline = std::chrono::steady_clock::now() + seconds(300);
  while (submit->Running() && std::chrono::steady_clock::now() < deadline) {
    if (IsStopped(cluster.worker(held).pid())) cluster.worker(held).Signal(SIGCONT);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(submit->WaitFor(seconds(1)));
  EXPECT_TRUE(submit->ExitedCleanly()) << submit->Ending() << "\n" << cluster.MasterLog();
  EXPECT_EQ(ReadPartFiles(out.string()), Reference());
  EXPECT_FALSE(fs::exists(forged_out));

  std::string log = cluster.MasterLog();
  for (const std::string& reason : std::vector<std::string>{
           "handshake: the peer is not a minimr peer", "handshake: connection closed by peer",
           "handshake: the peer speaks minimr protocol 1, this is " +
               std::to_string(wire::kProtocolVersion),
           "malformed frame: length 4294967295", "connection closed by peer in a frame",
           "frame 0 failed its MAC check",
           "handshake: the peer does not hold this cluster's key"}) {
    EXPECT_TRUE(HasLineWith(log, {"refused a connection from 127.0.0.1:", reason}))
        << reason << "\n"
        << log;
  }
  EXPECT_EQ(log.find("stopping at the request of"), std::string::npos) << log;
}

// A master and its one worker, each limited to 256 file descriptors, each get a burst of 1,000
// connections that complete the handshake and stay open, until accept fails for want of
// descriptors; then the connections close, and both serve a job to its usual result.
TEST_F(WireAttack, AMasterAndAWorkerOutOfFileDescriptorsServeTheNextJob) {
#if defined(__SANITIZE_ADDRESS__)
  // UBSan's check of a virtual call opens a pipe to see whether memory is readable; a process
  // out of descriptors gets "object has invalid vptr" for a valid object, and stops.
  GTEST_SKIP() << "the sanitizers cannot run without file descriptors";
#endif
  fs::path dir = Dir("emfile");
  fs::create_directories(dir);
  std::string connection = (dir / "connection.json").string();
  auto limited = [](const std::string& command) {
    return std::vector<std::string>{"/bin/bash", "-c", "ulimit -n 256 && exec " + command};
  };
  ChildProcess master(
      limited(Minimr() + " master --connection-file " + connection + " --fetch-timeout 2s"),
      (dir / "master.log").string());
  for (int i = 0; i < 1000 && !fs::exists(connection); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(fs::exists(connection)) << ReadFile(dir / "master.log");
  ChildProcess worker(limited(Minimr() + " worker --connection-file " + connection +
                              " --work-dir " + dir.string() + " --name limited"),
                      (dir / "worker.log").string());
  ASSERT_TRUE(testing::WaitForText(dir / "master.log", "registered from", seconds(30)));
  wire::ConnectionInfo info = wire::ReadConnectionFile(connection);
  uint16_t data_port = DataPort(ReadFile(dir / "master.log"), "limited");
  ASSERT_NE(data_port, 0) << ReadFile(dir / "master.log");

  struct Target {
    const char* name;
    uint16_t port;
    fs::path log;
  };
  for (const Target& target : {Target{"master", info.port, dir / "master.log"},
                               Target{"worker", data_port, dir / "worker.log"}}) {
    SCOPED_TRACE(std::string(target.name) + " on port " + std::to_string(target.port));
    Burst burst(target.port, info.key, 1000);
    ASSERT_TRUE(burst.RunUntil([&] {
      return ReadFile(target.log).find("accept failed: Too many open files") != std::string::npos;
    })) << burst.completed()
        << " handshakes done, " << burst.failed() << " failed (last: " << burst.last_error()
        << ")\n"
        << ReadFile(dir / "master.log") << ReadFile(dir / "worker.log");
    EXPECT_GT(burst.completed(), 100);
    burst.CloseAll();
  }
  fs::path out = dir / "out";
  Result r = Shell("timeout 300 " + Minimr() + " submit --connection-file " + connection + " " +
                   JobFile("emfile", out));
  ASSERT_EQ(r.status, 0) << r.output << ReadFile(dir / "master.log")
                         << ReadFile(dir / "worker.log");
  EXPECT_EQ(ReadPartFiles(out.string()), Reference());
  EXPECT_TRUE(worker.Running());
  master.Signal(SIGTERM);
  EXPECT_TRUE(master.WaitFor(seconds(20)));
  EXPECT_TRUE(worker.WaitFor(seconds(20)));
  EXPECT_NE(ReadFile(dir / "master.log").find("accepting again after"), std::string::npos);
  EXPECT_NE(ReadFile(dir / "worker.log").find("accepting again after"), std::string::npos);
}

TEST_F(WireAttack, AJobThroughATlsClusterGivesTheSameResultAndNothingOnTheWireIsReadable) {
  TestCluster cluster(Dir("tls"), {"--tls"});
  wire::ConnectionInfo info = wire::ReadConnectionFile(cluster.connection_file());
  ASSERT_EQ(info.tls_sha256.size(), 64u);
  struct stat st;
  ASSERT_EQ(::stat(info.tls_file.c_str(), &st), 0) << info.tls_file;
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  cluster.AddWorker("w1");
  cluster.AddWorker("w2");
  ASSERT_TRUE(cluster.WaitForRegistrations(2, seconds(30)));

  Relay recorder(info.port, nullptr);
  std::string via =
      ConnectionFileVia(cluster.connection_file(), recorder.port(), Dir("tls") / "via.json");
  fs::path out = Dir("tls") / "out";
  Result r = Shell("timeout 300 " + Minimr() + " submit --connection-file " + via + " " +
                   JobFile("tls", out));
  ASSERT_EQ(r.status, 0) << r.output << cluster.MasterLog();
  EXPECT_EQ(ReadPartFiles(out.string()), Reference());
  std::string captured = recorder.Captured();
  EXPECT_GT(captured.size(), 1000u);
  // The submission names the output directory and the job; the handshake begins "MINIMR".
  EXPECT_EQ(captured.find(out.string()), std::string::npos);
  EXPECT_EQ(captured.find("pidigits"), std::string::npos);
  EXPECT_EQ(captured.find("MINIMR"), std::string::npos);

  // The workers' map-output servers are in TLS as well.
  uint16_t data_port = DataPort(cluster.MasterLog(), "w1");
  ASSERT_NE(data_port, 0);
  try {
    wire::BlockingClient plain("127.0.0.1", data_port, info.key, seconds(10));
    ADD_FAILURE() << "a worker served a plain connection in a TLS cluster";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("the peer requires TLS"), std::string::npos) << e.what();
  }
}

TEST_F(WireAttack, APlainClientOfATlsMasterIsRefusedWithAClearMessage) {
  TestCluster cluster(Dir("tls-plain"), {"--tls"});
  wire::ConnectionInfo info = wire::ReadConnectionFile(cluster.connection_file());
  info.tls_sha256.clear();
  info.tls_file.clear();
  std::string plain = (Dir("tls-plain") / "plain.json").string();
  wire::WriteConnectionFile(plain, info);
  fs::path out = Dir("tls-plain") / "out";
  Result r = Shell("timeout 120 " + Minimr() + " submit --connection-file " + plain + " " +
                   JobFile("tls-plain", out));
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("the peer requires TLS, and this side connected without it (is the "
                          "connection file current?)"),
            std::string::npos)
      << r.output;
  EXPECT_TRUE(HasLineWith(cluster.MasterLog(),
                          {"refused a connection from 127.0.0.1:",
                           "speaks minimr without TLS, and this cluster requires TLS"}))
      << cluster.MasterLog();
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace minimr
