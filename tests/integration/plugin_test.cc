// Jobs from plugins: a user's shared library named by `plugin:`, run by real processes. Every way
// a plugin can be broken gets a message naming the file, and the cluster runs the next job.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "framework/src/plugin/plugin.h"
#include "framework/src/wire/blocking_client.h"
#include "framework/src/wire/connection_file.h"
#include "framework/src/wire/messages.h"
#include "framework/src/wire/archive.h"
#include "tests/integration/harness.h"

namespace minimr::testing {
namespace {

namespace fs = std::filesystem;

std::string Plugin(const std::string& name) {
  return std::string(MINIMR_TEST_PLUGIN_DIR) + "/" + name + ".so";
}

class PluginTest : public ::testing::Test {
 protected:
  PluginTest() : dir_("plugin") {
    fs::create_directories(dir_.path() / "text");
    // Letters in several files, and the expected counts the plain way.
    for (int f = 0; f < 3; ++f) {
      std::ofstream out(dir_.path() / "text" / ("part" + std::to_string(f) + ".txt"));
      for (int line = 0; line < 400; ++line) {
        std::string text;
        for (int i = 0; i < 37; ++i) text += static_cast<char>("aBcdeFGhij klmnopQrstu,vwxyz"[(f * 7 + line * 13 + i * i) % 28]);
        out << text << "\n";
        for (char c : text) {
          if (std::isalpha(static_cast<unsigned char>(c))) ++expected_[std::string(1, static_cast<char>(std::tolower(c)))];
        }
      }
    }
  }

  // A job file for `job` from `plugin`, writing to out-<n>.
  std::string JobFile(const std::string& job, const std::string& plugin,
                      const std::string& extra = "") {
    std::string name = "job" + std::to_string(++jobs_);
    std::ofstream(dir_.path() / (name + ".yaml"))
        << "job: " << job << "\n"
        << "plugin: " << plugin << "\n"
        << "input: {paths: " << (dir_.path() / "text").string() << "/*.txt, split_size: 4KB}\n"
        << "reduce: {tasks: 3}\n"
        << "output: {dir: " << (dir_.path() / ("out-" + name)).string() << "}\n"
        << "cluster: {workers: 2}\n"
        << extra;
    return (dir_.path() / (name + ".yaml")).string();
  }
  std::string OutputOf(const std::string& yaml) {
    return (dir_.path() / ("out-" + fs::path(yaml).stem().string())).string();
  }

  TempDir dir_;
  std::map<std::string, uint64_t> expected_;
  int jobs_ = 0;
};

TEST_F(PluginTest, AJobFromAPluginRunsLikeABuiltInOne) {
  std::string yaml = JobFile("letters", Plugin("letters"));
  Result r = Shell(Minimr() + " run " + yaml);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(ReadCounts(OutputOf(yaml)), expected_);
  auto record = nlohmann::json::parse(ReadFile(OutputOf(yaml) + "/job.json"));
  EXPECT_EQ(record["plugin"], Plugin("letters"));
  Result sha256sum = Shell("sha256sum " + Plugin("letters"));
  ASSERT_EQ(sha256sum.status, 0) << sha256sum.output;
  EXPECT_EQ(record["plugin_sha256"], sha256sum.output.substr(0, 64));
  EXPECT_EQ(record["counters"]["letters.lines"], 1200);
  // `minimr report` finds the job through the plugin job.json names.
  Result report = Shell(Minimr() + " report " + OutputOf(yaml));
  EXPECT_EQ(report.status, 0) << report.output;
  EXPECT_EQ(report.output, "Job letters has no report.\n");
}

// A plugin that starts a thread as it loads leaves `minimr run` with two threads, which must not
// fork: its master and workers start as programs, with the command lines written from the
// settings a fork would have run with (a heartbeat and timeouts from the job file among them).
TEST_F(PluginTest, APluginThatStartsAThreadHasTheMasterAndWorkersStartedAsPrograms) {
  std::string yaml = JobFile("threaded_letters", Plugin("threaded"));
  const std::string commands = (dir_.path() / "commands").string();
  Result r = Shell("MINIMR_TEST_COMMANDS=" + commands + " " + Minimr() + " run " + yaml +
                   " -D cluster.heartbeat_interval=300ms -D cluster.worker_timeout=4s"
                   " -D cluster.fetch_timeout=3s");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(ReadCounts(OutputOf(yaml)), expected_);
  // Each process that loaded the plugin, by its command: this run (with its thread, so no fork),
  // the master and the workers as programs, and the plugin's probes.
  std::map<std::string, std::vector<std::string>> started;
  std::istringstream lines(ReadFile(commands));
  for (std::string line; std::getline(lines, line);) {
    started[line.substr(0, line.find(' '))].push_back(line);
  }
  EXPECT_EQ(started["run"].size(), 1u) << ReadFile(commands);
  ASSERT_EQ(started["master"].size(), 1u) << ReadFile(commands);
  for (const char* option : {" --heartbeat 300ms", " --worker-timeout 4s", " --fetch-timeout 3s"}) {
    EXPECT_NE(started["master"][0].find(option), std::string::npos) << started["master"][0];
  }
  // A worker loads the plugin with its first task: one that registered late may have had none.
  ASSERT_GE(started["worker"].size(), 1u) << ReadFile(commands);
  for (const std::string& worker : started["worker"]) {
    EXPECT_NE(worker.find(" --connection-wait 20"), std::string::npos) << worker;
  }
}

TEST_F(PluginTest, PluginCheckListsTheJobsOfAPlugin) {
  Result r = Shell(Minimr() + " plugin check " + Plugin("letters"));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "job letters\n");
}

struct Broken {
  std::string name;
  std::string plugin;  // path
  std::string job;
  std::vector<std::string> says;  // in the client's message
};

std::vector<Broken> BrokenPlugins(const fs::path& dir) {
  std::ofstream(dir / "text.so") << "this is a text file, not a library\n";
  return {
      {"missing", (dir / "nowhere.so").string(), "letters",
       {"plugin " + (dir / "nowhere.so").string() + ": cannot read it: No such file"}},
      {"not a library", (dir / "text.so").string(), "letters",
       {"plugin " + (dir / "text.so").string() + ": is not a shared library"}},
      {"registers nothing", Plugin("registers_nothing"), "letters",
       {"plugin " + Plugin("registers_nothing") + ": registers no job"}},
      {"unresolved symbol", Plugin("unresolved"), "unresolved",
       {"plugin " + Plugin("unresolved") + ": cannot be loaded: ",
        "undefined symbol: FunctionThatIsDefinedNowhere(int)"}},
      {"other API version", Plugin("future_api"), "letters",
       {"plugin " + Plugin("future_api") + ": was built against minimr API version 99, and "
        "this minimr has API version " + std::to_string(MINIMR_API_VERSION)}},
      {"definition throws", Plugin("defining_throws"), "broken",
       {"plugin " + Plugin("defining_throws") + ": job 'broken': its definition threw: "
        "this job cannot be defined today"}},
      {"static constructor throws", Plugin("loading_throws"), "explodes",
       {"plugin " + Plugin("loading_throws") + ": crashed while loading (Aborted)",
        "a static constructor of the plugin threw"}},
      {"no such job", Plugin("letters"), "lettres",
       {"plugin " + Plugin("letters") + ": has no job named 'lettres'; did you mean 'letters'? "
        "(it registers: letters)"}},
  };
}

// The client refuses each, exit status 2, with the file named; the cluster then runs a good job.
TEST_F(PluginTest, EachBrokenPluginIsRefusedByNameAndTheClusterRunsTheNextJob) {
  TestCluster cluster(dir_.path() / "cluster");
  cluster.AddWorker("w1");
  cluster.AddWorker("w2");
  ASSERT_TRUE(cluster.WaitForRegistrations(2, std::chrono::seconds(20)));
  for (const Broken& broken : BrokenPlugins(dir_.path())) {
    SCOPED_TRACE(broken.name);
    Result r = cluster.Submit(JobFile(broken.job, broken.plugin));
    EXPECT_EQ(r.status, 2) << r.output;
    for (const std::string& text : broken.says) EXPECT_NE(r.output.find(text), std::string::npos) << r.output;
    std::string good = JobFile("letters", Plugin("letters"));
    Result next = cluster.Submit(good);
    ASSERT_EQ(next.status, 0) << next.output;
    EXPECT_EQ(ReadCounts(OutputOf(good)), expected_);
  }
  EXPECT_TRUE(cluster.master().Running());
  EXPECT_TRUE(cluster.worker(0).Running());
  EXPECT_TRUE(cluster.worker(1).Running());
}

// A job whose code throws while running fails with its own message and the plugin's name.
TEST_F(PluginTest, APluginThatThrowsWhileRunningFailsItsJobOnly) {
  TestCluster cluster(dir_.path() / "cluster");
  cluster.AddWorker("w1");
  cluster.AddWorker("w2");
  ASSERT_TRUE(cluster.WaitForRegistrations(2, std::chrono::seconds(20)));
  std::ofstream(dir_.path() / "text" / "zz.txt") << "fine\nthrow here\n";
  Result r = cluster.Submit(JobFile("letters", Plugin("letters"), "tasks: {max_attempts: 2}\n"));
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("job letters (plugin " + Plugin("letters") + ") failed"),
            std::string::npos) << r.output;
  EXPECT_NE(r.output.find("the letters job met a line it hates"), std::string::npos) << r.output;
  fs::remove(dir_.path() / "text" / "zz.txt");
  std::string good = JobFile("letters", Plugin("letters"));
  Result next = cluster.Submit(good);
  ASSERT_EQ(next.status, 0) << next.output;
  EXPECT_EQ(ReadCounts(OutputOf(good)), expected_);
  EXPECT_TRUE(cluster.worker(0).Running());
  EXPECT_TRUE(cluster.worker(1).Running());
}

// A client that skips the checks (a stranger's, or an old one) sends broken plugins straight to
// the master: the master refuses each, naming the file, and stays up for the next job.
TEST_F(PluginTest, TheMasterRefusesBrokenPluginsItselfAndStaysUp) {
  TestCluster cluster(dir_.path() / "cluster");
  cluster.AddWorker("w1");
  ASSERT_TRUE(cluster.WaitForRegistrations(1, std::chrono::seconds(20)));
  wire::ConnectionInfo info = wire::ReadConnectionFile(cluster.connection_file());
  for (const Broken& broken : BrokenPlugins(dir_.path())) {
    if (broken.name == "missing") continue;  // nothing to send
    SCOPED_TRACE(broken.name);
    wire::JobSubmission submission;
    submission.job_name = broken.job;
    submission.input_paths = {(dir_.path() / "text" / "part0.txt").string()};
    submission.output_dir = (dir_.path() / ("raw-" + std::to_string(++jobs_))).string();
    submission.plugin_path = "/client/side/" + fs::path(broken.plugin).filename().string();
    submission.plugin_bytes = ReadFile(broken.plugin);
    submission.plugin_sha256 = plugin::Sha256Hex(submission.plugin_bytes);
    wire::BlockingClient client(info.host, info.port, info.key);
    client.Send(wire::MessageType::kSubmitJob, wire::Encode(submission));
    wire::MessageType type;
    std::string body;
    client.Receive(&type, &body);
    ASSERT_EQ(type, wire::MessageType::kJobResult);
    wire::JobStatus result;
    wire::Decode(body, result);
    EXPECT_FALSE(result.ok);
    // The message names the client's path, not the master's copy.
    EXPECT_NE(result.error.find("plugin " + submission.plugin_path + ": "), std::string::npos)
        << result.error;
    EXPECT_TRUE(cluster.master().Running());
  }
  std::string good = JobFile("letters", Plugin("letters"));
  Result next = cluster.Submit(good);
  ASSERT_EQ(next.status, 0) << next.output;
  EXPECT_EQ(ReadCounts(OutputOf(good)), expected_);
}

// Workers on machines that cannot see the plugin's path (here: a mount namespace that hides its
// directory) get its bytes from the master, checked by SHA-256.
TEST_F(PluginTest, WorkersThatCannotReadThePluginGetItFromTheMaster) {
  if (Shell("unshare -m true").status != 0) GTEST_SKIP() << "needs unshare -m (root)";
  fs::path hidden = dir_.path() / "plugins";
  fs::create_directories(hidden);
  fs::copy_file(Plugin("letters"), hidden / "letters.so");
  TestCluster cluster(dir_.path() / "cluster");
  std::vector<std::unique_ptr<ChildProcess>> workers;
  for (int i = 0; i < 2; ++i) {
    std::string command = "mount -t tmpfs none " + hidden.string() + " && exec " + Minimr() +
                          " worker --connection-file " + cluster.connection_file() +
                          " --work-dir " + cluster.dir().string() + " --name blind" +
                          std::to_string(i);
    workers.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/bin/unshare", "-m", "--", "/bin/sh", "-c", command},
        (cluster.dir() / ("blind" + std::to_string(i) + ".log")).string()));
  }
  ASSERT_TRUE(cluster.WaitForRegistrations(2, std::chrono::seconds(20)));
  std::string yaml = JobFile("letters", (hidden / "letters.so").string());
  Result r = cluster.Submit(yaml);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(ReadCounts(OutputOf(yaml)), expected_);
  std::string logs = ReadFile(cluster.dir() / "blind0.log") + ReadFile(cluster.dir() / "blind1.log");
  EXPECT_NE(logs.find("fetched plugin " + (hidden / "letters.so").string() + " from the master"),
            std::string::npos) << logs;
  cluster.Stop();
}

}  // namespace
}  // namespace minimr::testing
