// The copy phase of the shuffle against real map-output servers on loopback: connections kept
// and reused (counted on the serving side), copiers that fetch from several servers at once,
// a fetch's deadline, and what a fetch from a vanished server reports.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "framework/src/runtime/fetch_connections.h"
#include "framework/src/runtime/map_output_fetcher.h"
#include "framework/src/runtime/map_output_server.h"
#include "framework/src/wire/tls.h"
#include "tests/common/temp_dir.h"

namespace minimr::runtime {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr uint64_t kJob = 7;

wire::Key TestKey() {
  wire::Key key{};
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 7 + 1);
  return key;
}

// A map-output server on loopback with its own io thread, serving `maps` map outputs of
// `partitions` partitions each: those of even m from files in a private directory, those of odd
// m from memory. Partition p of map m holds Contents(m, p).
class TestServer {
 public:
  TestServer(wire::Security security, int maps, int partitions, bool hang = false)
      : temp_("fetch-test"), dir_(temp_.path()) {
    for (int m = 0; m < maps; ++m) {
      StoredMapOutput output{(dir_ / ("map" + std::to_string(m))).string(), {0}, nullptr};
      std::string all;
      for (int p = 0; p < partitions; ++p) {
        all += Contents(m, p);
        output.index.push_back(all.size());
      }
      if (m % 2 == 1) {
        output.path.clear();
        output.bytes = std::make_shared<const std::string>(std::move(all));
      } else {
        std::ofstream(output.path, std::ios::binary) << all;
      }
      outputs_[m] = output;
    }
    server_ = std::make_unique<MapOutputServer>(
        *io_, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0),
        security, wire::ListenerLimits{}, [](const std::string&) {},
        [this](uint64_t job, int map, int attempt) -> std::optional<StoredMapOutput> {
          OnLookup();
          auto it = outputs_.find(map);
          if (job != kJob || attempt != 0 || it == outputs_.end()) return std::nullopt;
          return it->second;
        },
        hang);
    port_ = server_->port();
    thread_ = std::thread([this] { io_->run(); });
  }
  ~TestServer() { Stop(); }

  // The server and its connections go away, as when its worker dies.
  void Stop() {
    if (!thread_.joinable()) return;
    io_->stop();
    thread_.join();
    server_.reset();
    work_.reset();
    io_.reset();  // closes every connection it still holds
  }

  static std::string Contents(int map, int partition) {
    // Some partitions empty, some of several 1 MiB pieces (sent in one reused buffer).
    size_t size = (map * 31 + partition * 17) % 5 == 0 ? 0
                  : map == 1 && partition == 0         ? (3u << 20) / 2
                  : map == 2 && partition == 0         ? (9u << 20) / 4
                                                       : 100 + map * 13 + partition;
    std::string bytes(size, '\0');
    for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>('a' + (map + partition + i) % 26);
    return bytes;
  }

  std::vector<wire::MapOutputLocation> Locations(int from, int to) const {
    std::vector<wire::MapOutputLocation> where;
    for (int m = from; m < to; ++m) where.push_back({"127.0.0.1", port_, m, 0});
    return where;
  }

  // Connections whose handshake succeeded, read on the server's thread.
  int64_t connections() {
    std::promise<int64_t> count;
    boost::asio::post(*io_, [&] { count.set_value(server_->connections()); });
    return count.get_future().get();
  }

  // The file that holds map `map`'s output (even maps).
  const std::string& PathOf(int map) const { return outputs_.at(map).path; }

  // Called on the server's thread before each request is answered.
  std::function<void()> on_lookup;

 private:
  void OnLookup() {
    if (on_lookup) on_lookup();
  }

  testing::TempDir temp_;
  fs::path dir_;
  std::map<int, StoredMapOutput> outputs_;
  std::unique_ptr<boost::asio::io_context> io_ = std::make_unique<boost::asio::io_context>();
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(*io_)};
  std::unique_ptr<MapOutputServer> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

// Collects what was fetched, by output; checks the calls' order for each output.
class Collected : public FetchSink {
 public:
  void Piece(size_t output, std::string_view bytes) override {
    std::lock_guard lock(mu_);
    EXPECT_FALSE(done_.count(output)) << "a piece of output " << output << " after its end";
    bytes_[output].append(bytes);
  }
  void Done(size_t output, uint64_t size) override {
    std::lock_guard lock(mu_);
    EXPECT_TRUE(done_.insert(output).second) << "output " << output << " ended twice";
    EXPECT_EQ(bytes_[output].size(), size);
  }
  std::string bytes(size_t output) {
    std::lock_guard lock(mu_);
    return bytes_[output];
  }
  size_t done() {
    std::lock_guard lock(mu_);
    return done_.size();
  }

 private:
  std::mutex mu_;
  std::map<size_t, std::string> bytes_;
  std::set<size_t> done_;
};

std::atomic<bool> never_cancelled{false};
const TaskControl kControl{nullptr, &never_cancelled, nullptr};

void ExpectFetched(Collected& got, const std::vector<wire::MapOutputLocation>& where,
                   int partition) {
  ASSERT_EQ(got.done(), where.size());
  for (size_t i = 0; i < where.size(); ++i) {
    EXPECT_EQ(got.bytes(i), TestServer::Contents(where[i].map_task, partition)) << "output " << i;
  }
}

TEST(MapOutputFetch, ReusesOneConnectionPerServerAcrossFetchesAndReduceTasks) {
  TestServer a(TestKey(), 40, 3), b(TestKey(), 40, 3);
  FetchConnections connections(TestKey(), seconds(20));
  std::vector<wire::MapOutputLocation> where = a.Locations(0, 40);
  for (const auto& l : b.Locations(0, 40)) where.push_back(l);
  // Three reduce tasks on this worker, each fetching 80 map outputs from the two servers.
  for (int partition = 0; partition < 3; ++partition) {
    Collected got;
    FetchMapOutputs(where, kJob, partition, 5, connections, kControl, got);
    ExpectFetched(got, where, partition);
  }
  EXPECT_EQ(a.connections(), 1);
  EXPECT_EQ(b.connections(), 1);
  EXPECT_EQ(connections.opened(), 2);
}

TEST(MapOutputFetch, ReusesConnectionsInTlsToo) {
  wire::TlsIdentity identity = wire::MakeTlsIdentity();
  wire::Security server_side(TestKey()), client_side(TestKey());
  server_side.tls_server = wire::MakeTlsServerContext(identity);
  client_side.tls_client =
      wire::MakeTlsClientContext(wire::CertificateSha256(identity.certificate_pem));
  TestServer a(server_side, 20, 2);
  FetchConnections connections(client_side, seconds(20));
  std::vector<wire::MapOutputLocation> where = a.Locations(0, 20);
  for (int partition = 0; partition < 2; ++partition) {
    Collected got;
    FetchMapOutputs(where, kJob, partition, 5, connections, kControl, got);
    ExpectFetched(got, where, partition);
  }
  EXPECT_EQ(a.connections(), 1);
}

// Each server answers its first request only once the other has a request too: a copy that
// fetched from one server at a time would wait for ever (here: until the deadline, and fail).
TEST(MapOutputFetch, FetchesFromSeveralServersAtOnce) {
  TestServer a(TestKey(), 10, 1), b(TestKey(), 10, 1);
  std::mutex mu;
  std::condition_variable cv;
  bool a_asked = false, b_asked = false;
  auto meet = [&](bool& mine, bool& other) {
    std::unique_lock lock(mu);
    mine = true;
    cv.notify_all();
    cv.wait_for(lock, seconds(30), [&] { return other; });
  };
  a.on_lookup = [&] { meet(a_asked, b_asked); };
  b.on_lookup = [&] { meet(b_asked, a_asked); };
  std::vector<wire::MapOutputLocation> where = a.Locations(0, 10);
  for (const auto& l : b.Locations(0, 10)) where.push_back(l);
  FetchConnections connections(TestKey(), seconds(10));
  Collected got;
  FetchMapOutputs(where, kJob, 0, 2, connections, kControl, got);
  ExpectFetched(got, where, 0);
}

TEST(MapOutputFetch, OneCopierFetchesFromOneServerAtATime) {
  // The same rendezvous with shuffle.parallel_copies 1: nobody comes, so the fetch runs into its
  // deadline (the servers stop waiting after 30 s, the fetch gives up after 0.5 s).
  TestServer a(TestKey(), 2, 1), b(TestKey(), 2, 1);
  std::mutex mu;
  std::condition_variable cv;
  bool a_asked = false, b_asked = false, over = false;
  auto meet = [&](bool& mine, bool& other) {
    std::unique_lock lock(mu);
    mine = true;
    cv.notify_all();
    cv.wait_for(lock, seconds(30), [&] { return other || over; });
  };
  a.on_lookup = [&] { meet(a_asked, b_asked); };
  b.on_lookup = [&] { meet(b_asked, a_asked); };
  std::vector<wire::MapOutputLocation> where = a.Locations(0, 2);
  for (const auto& l : b.Locations(0, 2)) where.push_back(l);
  FetchConnections connections(TestKey(), milliseconds(500));
  Collected got;
  EXPECT_THROW(FetchMapOutputs(where, kJob, 0, 1, connections, kControl, got), FetchFailure);
  {
    std::lock_guard lock(mu);
    EXPECT_TRUE(a_asked);
    EXPECT_FALSE(b_asked);
    over = true;
  }
  cv.notify_all();
}

TEST(MapOutputFetch, AServerThatNeverAnswersFailsTheFetchAtItsDeadline) {
  TestServer good(TestKey(), 5, 1), hanging(TestKey(), 5, 1, /*hang=*/true);
  std::vector<wire::MapOutputLocation> where = good.Locations(0, 5);
  for (const auto& l : hanging.Locations(0, 5)) where.push_back(l);
  // A second, not less: the good server's outputs are fetched under the same deadline, and its
  // thread may wait that long for a core on a busy machine.
  FetchConnections connections(TestKey(), seconds(1));
  Collected got;
  try {
    FetchMapOutputs(where, kJob, 0, 5, connections, kControl, got);
    FAIL() << "the fetch from a server that never answers succeeded";
  } catch (const FetchFailure& e) {
    EXPECT_NE(std::string(e.what()).find("nothing from the peer for 1.00 s"), std::string::npos)
        << e.what();
    // Every output on the hanging server is reported lost, and none of the good one's.
    std::vector<wire::MapOutputLocation> expected = hanging.Locations(0, 5);
    ASSERT_EQ(e.lost().size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(e.lost()[i].port, expected[i].port);
      EXPECT_EQ(e.lost()[i].map_task, expected[i].map_task);
    }
  }
}

TEST(MapOutputFetch, AVanishedServerIsReportedAsLostMapOutputEvenOnAKeptConnection) {
  TestServer a(TestKey(), 4, 2), b(TestKey(), 4, 2);
  std::vector<wire::MapOutputLocation> where = a.Locations(0, 4);
  for (const auto& l : b.Locations(0, 4)) where.push_back(l);
  FetchConnections connections(TestKey(), seconds(5));
  {
    Collected got;
    FetchMapOutputs(where, kJob, 0, 5, connections, kControl, got);
    ExpectFetched(got, where, 0);
  }
  b.Stop();  // its worker dies; this side still keeps a connection to it
  Collected got;
  try {
    FetchMapOutputs(where, kJob, 1, 5, connections, kControl, got);
    FAIL() << "a fetch from a vanished server succeeded";
  } catch (const FetchFailure& e) {
    ASSERT_EQ(e.lost().size(), 4u) << e.what();
    for (const wire::MapOutputLocation& lost : e.lost()) EXPECT_EQ(lost.port, where[4].port);
  }
  // The kept connection failed before anything came back, so one new connection was tried.
  EXPECT_EQ(connections.opened(), 3);
}

TEST(MapOutputFetch, AnOutputTheServerDoesNotHoldIsLost) {
  TestServer a(TestKey(), 3, 1);
  std::vector<wire::MapOutputLocation> where = a.Locations(0, 3);
  where[1].attempt = 5;  // an attempt the server never ran
  FetchConnections connections(TestKey(), seconds(5));
  Collected got;
  try {
    FetchMapOutputs(where, kJob, 0, 5, connections, kControl, got);
    FAIL();
  } catch (const FetchFailure& e) {
    EXPECT_NE(std::string(e.what()).find("no output of map task 1 attempt 5 partition 0 here"),
              std::string::npos)
        << e.what();
    EXPECT_EQ(e.lost().size(), 3u);
  }
}

TEST(MapOutputFetch, AnOutputFileCutShortFailsItsFetchMidwayAndTheServerServesOn) {
  TestServer a(TestKey(), 3, 1);
  // Map 2's output is 2.25 MiB: its second 1 MiB piece is read past the file's new end.
  fs::resize_file(a.PathOf(2), (3u << 20) / 2);
  FetchConnections connections(TestKey(), seconds(5));
  {
    Collected got;
    try {
      FetchMapOutputs(a.Locations(2, 3), kJob, 0, 5, connections, kControl, got);
      FAIL();
    } catch (const FetchFailure& e) {
      EXPECT_NE(std::string(e.what()).find(a.PathOf(2) + ": shorter than its index says"),
                std::string::npos)
          << e.what();
    }
    // Midway: its first piece came, whole, and nothing after it.
    EXPECT_EQ(got.bytes(0), TestServer::Contents(2, 0).substr(0, size_t{1} << 20));
    EXPECT_EQ(got.done(), 0u);
  }
  Collected got;
  FetchMapOutputs(a.Locations(0, 2), kJob, 0, 5, connections, kControl, got);
  ExpectFetched(got, a.Locations(0, 2), 0);
}

TEST(MapOutputFetch, AKilledAttemptStopsItsCopiers) {
  TestServer hanging(TestKey(), 3, 1, /*hang=*/true);
  std::atomic<bool> cancel{false};
  TaskControl control{nullptr, &cancel, nullptr};
  std::thread killer([&] {
    std::this_thread::sleep_for(milliseconds(300));
    cancel = true;
  });
  FetchConnections connections(TestKey(), seconds(60));
  Collected got;
  EXPECT_THROW(FetchMapOutputs(hanging.Locations(0, 3), kJob, 0, 5, connections, control, got),
               TaskKilled);
  killer.join();
}

TEST(MapOutputFetch, WhatTheSinkThrowsComesOutAsItIs) {
  TestServer a(TestKey(), 3, 1);
  struct Full : FetchSink {
    void Piece(size_t, std::string_view) override { throw std::runtime_error("disk full"); }
    void Done(size_t, uint64_t) override {}
  } full;
  FetchConnections connections(TestKey(), seconds(5));
  try {
    FetchMapOutputs(a.Locations(1, 2), kJob, 0, 5, connections, kControl, full);
    FAIL();
  } catch (const FetchFailure& e) {
    FAIL() << "a sink's error was taken for lost map output: " << e.what();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "disk full");
  }
}

}  // namespace
}  // namespace minimr::runtime
