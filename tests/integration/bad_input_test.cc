// Bad input on the command line and in job files, met by the real minimr binary: numbers out of
// range or malformed, a bad --out, generated input its own job would not read, misspelt names,
// and the n-digit report over many possible keys. Each is refused at once with a message that
// says what is wrong and where (docs/bad-input.md lists them).
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include "minimr/output.h"
#include "tests/integration/harness.h"

namespace minimr::testing {
namespace {

namespace fs = std::filesystem;

// `minimr pi generate` in 1 GiB of address space: its bound on --digits is then about 44 million,
// and should the bound ever fail, it cannot take the machine's memory. (AddressSanitizer maps
// terabytes of shadow memory, so its builds run without the limit.)
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressLimit = false;
#else
constexpr bool kAddressLimit = true;
#endif

std::string PiGenerate(const std::string& args) {
  return (kAddressLimit ? "ulimit -v 1048576 && " : "") + Minimr() + " pi generate " + args;
}

TEST(PiGenerate, RefusesBadNumbersAndABadOutBeforeComputingAnything) {
  TempDir dir("pi-generate");
  const fs::path out = dir.path() / "out";
  const fs::path file = dir.path() / "a-file";
  std::ofstream(file) << "not a directory";
  struct Case {
    std::string args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"--digits -5", "--digits: expected a whole number from 1 to "},
      {"--digits=-5", "--digits: expected a whole number from 1 to "},
      {"--digits 0", "--digits: expected a whole number from 1 to "},
      {"--digits 18446744073709551611", "more does not fit in the memory"},  // -5 as uint64
      {"--digits 99999999999999999999999", "more does not fit in the memory"},
      {"--digits 1e6", "got '1e6'"},
      {"--digits 100 --files 0", "--files: expected a whole number from 1 to 9,999, got '0'"},
      {"--digits 100 --files -1", "--files: expected a whole number from 1 to 9,999, got '-1'"},
      {"--digits 100 --files 10000", "--files: expected a whole number from 1 to 9,999"},
      {"--digits 10 --files 11", "--files 11 is more than --digits 10"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.args);
    Result r = Shell(PiGenerate(c.args + " --out " + out.string()));
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("pi: "), std::string::npos) << "nothing was computed:\n" << r.output;
    EXPECT_FALSE(fs::exists(out));
  }
  // The bound is the memory the process may use: one more digit is refused, saying why.
  Result huge = Shell(PiGenerate("--digits 99999999999999999999999 --out " + out.string()));
  std::smatch limit;
  const std::string text = huge.output;
  ASSERT_TRUE(std::regex_search(text, limit, std::regex("from 1 to ([0-9,]+)"))) << text;
  std::string max = limit[1];
  max.erase(std::remove(max.begin(), max.end(), ','), max.end());
  if (kAddressLimit) {
    ASSERT_LT(std::stoull(max), 50'000'000u) << "the bound follows the 1 GiB limit";
  }
  Result over = Shell(
      PiGenerate("--digits " + std::to_string(std::stoull(max) + 1) + " --out " + out.string()));
  EXPECT_EQ(over.status, 2) << over.output;
  EXPECT_NE(over.output.find("more does not fit in the memory this process may use"),
            std::string::npos)
      << over.output;

  for (const auto& [where, message] : std::vector<std::pair<fs::path, std::string>>{
           {file, "--out " + file.string() + " exists and is not a directory"},
           {file / "sub", "--out " + (file / "sub").string() +
                              ": cannot create it: Not a "
                              "directory"}}) {
    SCOPED_TRACE(where);
    Result r = Shell(PiGenerate("--digits 100 --out " + where.string()));
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("pi: "), std::string::npos) << r.output;
  }
  EXPECT_EQ(ReadFile(file), "not a directory");
}

TEST(PiGenerate, AJobWhoseGeneratedNamesItsPatternWouldNotMatchIsRefusedBeforeGenerating) {
  TempDir dir("generate-names");
  const fs::path data = dir.path() / "data";
  const fs::path yaml = dir.path() / "job.yaml";
  auto write_job = [&](const std::string& pattern) {
    std::ofstream(yaml) << "job: pidigits\n"
                           "input:\n"
                           "  paths: "
                        << (data / pattern).string()
                        << "\n"
                           "  generate: {digits: 1000, files: 2}\n"
                           "output: {dir: "
                        << (dir.path() / "out").string() << "}\n";
  };
  write_job("pi150m.ascii.*");  // the shipped pattern, with fewer digits than it names
  Result r = Shell(Minimr() + " run " + yaml.string());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find(yaml.string() +
                          ":3:10: input.paths: input.generate would make "
                          "pi1k.ascii.01of02 (and 1 more like it), which '" +
                          (data / "pi150m.ascii.*").string() + "' does not match"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("generating"), std::string::npos) << r.output;
  EXPECT_TRUE(!fs::exists(data) || fs::is_empty(data)) << "nothing was generated";

  write_job("pi1k.ascii.*");  // a pattern that matches what it makes: generated once, then read
  Result ok = Shell(Minimr() + " run " + yaml.string());
  ASSERT_EQ(ok.status, 0) << ok.output;
  EXPECT_NE(ok.output.find("generating it in " + data.string()), std::string::npos) << ok.output;
  Result again = Shell(Minimr() + " run " + yaml.string() + " -D output.overwrite=true");
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_EQ(again.output.find("generating"), std::string::npos) << again.output;

  std::ofstream(yaml) << "job: pidigits\n"
                         "input:\n"
                         "  paths: "
                      << (dir.path() / "x*" / "pi*").string()
                      << "\n"
                         "  generate: {digits: 0}\n"
                         "output: {dir: "
                      << (dir.path() / "out2").string() << "}\n";
  Result pattern_dir = Shell(Minimr() + " run " + yaml.string());
  EXPECT_EQ(pattern_dir.status, 2) << pattern_dir.output;
  EXPECT_NE(pattern_dir.output.find("must be a plain directory, not a pattern"), std::string::npos)
      << pattern_dir.output;
}

TEST(PiGenerate, ABadGenerateSpecIsRefusedWithItsLine) {
  TempDir dir("generate-spec");
  const fs::path yaml = dir.path() / "job.yaml";
  for (const auto& [spec, message] : std::vector<std::pair<std::string, std::string>>{
           {"{digits: -5}", "input.generate.digits: expected a whole number from 1 to "},
           {"{digits: 99999999999999999999}",
            "more does not fit in the memory this process may use"},
           {"{digits: 100, files: 0}",
            "input.generate.files: expected a whole number from 1 to "
            "100, got '0'"},
           {"{digits: 100, filez: 2}",
            "input.generate.filez: the pi job's generator takes "
            "digits and files"}}) {
    SCOPED_TRACE(spec);
    std::ofstream(yaml) << "job: pidigits\ninput:\n  paths: " << (dir.path() / "pi*").string()
                        << "\n  generate: " << spec
                        << "\noutput: {dir: " << (dir.path() / "out").string() << "}\n";
    Result r = Shell(Minimr() + " run " + yaml.string());
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find(yaml.string() + ":4:13: "), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << r.output;
  }
}

// Generated input appears whole or not at all: a run killed while it generates leaves none of
// the files where the job would read them (only its hidden working directory), and the next
// generation there removes that.
TEST(PiGenerate, AKilledGenerationLeavesNoInputAndTheNextRemovesWhatItLeft) {
  TempDir dir("generate-killed");
  const fs::path data = dir.path() / "data";
  const fs::path yaml = dir.path() / "job.yaml";
  auto write_job = [&](const std::string& pattern, const std::string& digits) {
    std::ofstream(yaml) << "job: pidigits\ninput:\n  paths: " << (data / pattern).string()
                        << "\n  generate: {digits: " << digits
                        << ", files: 4}\noutput: {dir: " << (dir.path() / "out").string() << "}\n";
  };
  auto listing = [&] {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(data)) {
      names.insert(entry.path().filename().string());
    }
    return names;
  };
  {
    // 20 million digits take seconds to compute: the run is killed while it does.
    write_job("pi20m.ascii.*", "20000000");
    minimr::ChildProcess generating({Minimr(), "run", yaml.string(), "--no-report"},
                                    (dir.path() / "killed.log").string());
    // Working: its directory made and locked (killed before the lock, it would stay for good).
    bool working = false;
    for (int i = 0; i < 6000 && !working && generating.Running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      working =
          fs::exists(data) && !listing().empty() && fs::exists(data / *listing().begin() / ".lock");
    }
    ASSERT_TRUE(working) << "no generation began";
    generating.Signal(SIGKILL);
    generating.WaitFor(std::chrono::seconds(10));
  }
  std::set<std::string> left = listing();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left.begin()->rfind(".minimr-generating-", 0), 0u) << *left.begin();

  write_job("pi2k.ascii.*", "2000");
  Result next = Shell(Minimr() + " run " + yaml.string() + " --no-report");
  ASSERT_EQ(next.status, 0) << next.output;
  EXPECT_NE(next.output.find("Generated 4 files in " + data.string()), std::string::npos)
      << next.output;
  EXPECT_EQ(listing(), (std::set<std::string>{"pi2k.ascii.01of04", "pi2k.ascii.02of04",
                                              "pi2k.ascii.03of04", "pi2k.ascii.04of04"}));
}

// The files move in with the ending signals held: a SIGTERM as the first of 2,000 arrives ends
// the command once the last is in, never with some of them there.
TEST(PiGenerate, AnInterruptWhileTheFilesMoveInLeavesAllOrNone) {
  TempDir dir("generate-move");
  const fs::path out = dir.path() / "pi";
  fs::create_directories(out);
  const int watch = ::inotify_init1(IN_CLOEXEC);
  ASSERT_GE(watch, 0);
  ASSERT_GE(::inotify_add_watch(watch, out.c_str(), IN_MOVED_TO), 0);
  minimr::ChildProcess generating(
      {Minimr(), "pi", "generate", "--digits", "4000", "--files", "2000", "--out", out.string()},
      (dir.path() / "generate.log").string());
  bool moving = false;
  while (!moving) {
    struct pollfd ready {
      watch, POLLIN, 0
    };
    ASSERT_EQ(::poll(&ready, 1, 60000), 1) << "no file moved in within a minute";
    alignas(struct inotify_event) char events[4096];
    const ssize_t n = ::read(watch, events, sizeof events);
    ASSERT_GT(n, 0);
    for (ssize_t at = 0; at < n && !moving;) {
      const auto* event = reinterpret_cast<const struct inotify_event*>(events + at);
      moving = event->len > 0 && event->name[0] != '.';
      at += static_cast<ssize_t>(sizeof(struct inotify_event) + event->len);
    }
  }
  generating.Signal(SIGTERM);
  ASSERT_TRUE(generating.WaitFor(std::chrono::seconds(60)));
  ::close(watch);
  size_t visible = 0;
  std::vector<std::string> hidden;
  for (const auto& entry : fs::directory_iterator(out)) {
    const std::string name = entry.path().filename().string();
    if (name[0] != '.') ++visible;
    if (name[0] == '.') hidden.push_back(name);
  }
  EXPECT_TRUE(visible == 0 || visible == 2000) << visible << " of the 2,000 files";
  EXPECT_EQ(visible, 2000u) << "the signal came as the first moved in";
  EXPECT_TRUE(hidden.empty()) << "its working directory went before the signal: " << hidden[0];
}

// The binary finds its libraries where it was built or installed, never in the directory it is
// run from, where anyone with a shared directory could leave a libssl.so.3 of their own.
TEST(Binary, LoadsNoLibraryFromTheDirectoryItIsRunFrom) {
  TempDir dir("planted-libraries");
  for (const char* name : {"libssl.so.3", "libcrypto.so.3", "libyaml-cpp.so.0.7", "libgmp.so.10",
                           "libstdc++.so.6", "libboost_serialization.so.1.74.0"}) {
    std::ofstream(dir.path() / name) << "not a library\n";
  }
  Result r = Shell("cd " + dir.path().string() + " && " + Minimr() + " help");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("usage: minimr"), std::string::npos) << r.output;
}

// Nor anywhere else outside its build tree: each entry of its RUNPATH relative to the binary
// ($ORIGIN) lies inside the tree (an entry such as $ORIGIN/../lib from build/minimr would be the
// build directory's parent's lib/, /tmp/lib for a build in /tmp/b), and none is empty (the
// current directory). Absolute entries are the link line's own (libraries from outside the
// system's directories).
TEST(Binary, ItsLibrarySearchPathStaysInsideItsBuildTree) {
  const fs::path binary = fs::canonical(Minimr());
  const fs::path tree = fs::canonical(MINIMR_BUILD_DIR);
  Result r = Shell("LC_ALL=C readelf -d '" + binary.string() + "'");
  ASSERT_EQ(r.status, 0) << r.output;
  std::smatch found;
  ASSERT_TRUE(std::regex_search(r.output, found, std::regex(R"(R(UN)?PATH\)\s+Library r(un)?path: \[([^\]]*)\])")))
      << r.output;
  const std::string runpath = found[3];
  size_t begin = 0;
  while (true) {
    const size_t end = std::min(runpath.find(':', begin), runpath.size());
    const std::string entry = runpath.substr(begin, end - begin);
    EXPECT_FALSE(entry.empty()) << "an empty entry (the current directory) in " << runpath;
    if (entry.rfind("$ORIGIN", 0) == 0) {
      const fs::path resolved =
          fs::weakly_canonical(binary.parent_path() / fs::path(entry.substr(7)).relative_path());
      const std::string inside = resolved.string() + "/";
      EXPECT_EQ(inside.rfind(tree.string() + "/", 0), 0u)
          << entry << " is " << resolved << ", outside " << tree;
    }
    if (end == runpath.size()) break;
    begin = end + 1;
  }
}

// A profile named without its path is found in configs/clusters/ here, or, for a binary in the
// build tree it was built in, in its source tree's.
TEST(Binary, FindsTheClusterProfilesOfTheSourceTreeItWasBuiltIn) {
  TempDir dir("profile-lookup");
  Result r = Shell("cd " + dir.path().string() + " && env -u MINIMR_HOME HOME=" +
                   dir.path().string() + " " + Minimr() + " cluster status --profile local");
  EXPECT_EQ(r.status, 3) << r.output;  // found, and not running (LSB's status 3)
  EXPECT_NE(r.output.find("No cluster is running"), std::string::npos) << r.output;
}

TEST(JobFiles, AnUnknownJobNameExitsTwoWithItsFileAndLine) {
  TempDir dir("unknown-job");
  const fs::path yaml = dir.path() / "job.yaml";
  std::ofstream(yaml) << "# a typo\njob: pidigts\ninput: {paths: /nonexistent/*}\n"
                         "output: {dir: "
                      << (dir.path() / "out").string() << "}\n";
  Result r = Shell(Minimr() + " run " + yaml.string());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find(yaml.string() + ":2:6: job: there is no job named 'pidigts'; did you "
                                          "mean 'pidigits'?"),
            std::string::npos)
      << r.output;
}

TEST(JobFiles, AMisspeltNameGetsDidYouMean) {
  TempDir dir("did-you-mean");
  const fs::path yaml = dir.path() / "job.yaml";
  std::ofstream(yaml) << "job: pidigits\nparams: {n: 2}\ninput: {paths: /nonexistent/*}\n"
                         "ouptut: {dir: /tmp/x}\n";
  Result key = Shell(Minimr() + " run " + yaml.string());
  EXPECT_EQ(key.status, 2) << key.output;
  EXPECT_NE(
      key.output.find(yaml.string() + ":4:1: ouptut: unknown key 'ouptut'; did you mean 'output'?"),
      std::string::npos)
      << key.output;

  std::ofstream(yaml) << "job: pidigits\ninput: {paths: /nonexistent/*}\n"
                         "output: {dir: "
                      << (dir.path() / "out").string() << "}\n";
  Result nested = Shell(Minimr() + " run " + yaml.string() + " -D reduce.taks=2");
  EXPECT_EQ(nested.status, 2) << nested.output;
  EXPECT_NE(nested.output.find("-D reduce.taks=2: reduce.taks: unknown key 'taks'; did you mean "
                               "'tasks'?"),
            std::string::npos)
      << nested.output;
  Result param = Shell(Minimr() + " run " + yaml.string() + " -D params.contiuous=false");
  EXPECT_EQ(param.status, 2) << param.output;
  EXPECT_NE(param.output.find("-D params.contiuous=false: params.contiuous: job 'pidigits' has no "
                              "such parameter; did you mean 'continuous'?"),
            std::string::npos)
      << param.output;
}

TEST(Numbers, EveryNumericOptionAndValueIsRangeChecked) {
  TempDir dir("numbers");
  TestCluster cluster(dir.path() / "cluster");
  const fs::path yaml = dir.path() / "job.yaml";
  std::ofstream(yaml) << "job: pidigits\ninput: {paths: /nonexistent/*}\n"
                         "output: {dir: "
                      << (dir.path() / "out").string() << "}\n";
  const std::string worker =
      Minimr() + " worker --connection-file " + cluster.connection_file() + " ";
  struct Case {
    std::string command;
    std::string message;
  };
  const std::vector<Case> cases = {
      {Minimr() + " master --port -1",
       "--port: expected a whole number from 0 to 65,535, got '-1'"},
      {Minimr() + " master --port 70000", "got '70000'"},
      {Minimr() + " cluster start --profile local -n 0",
       "--workers: expected a whole number from 1 to 10,000, got '0'"},
      {Minimr() + " cluster start --profile local -n 99999999999999999999", "from 1 to 10,000"},
      {worker + "--master 127.0.0.1:-1", "--master wants HOST:PORT with a port from 1 to 65535"},
      {worker + "--master 127.0.0.1:65536", "--master wants HOST:PORT"},
      {worker + "--run-time-limit -1", "--run-time-limit: expected a whole number from 0 to "},
      {worker + "--connection-wait 3601",
       "--connection-wait: expected a whole number from 0 to 3,600, got '3601'"},
      {Minimr() + " run " + yaml.string() + " -D reduce.tasks=-1",
       "-D reduce.tasks=-1: reduce.tasks: expected a whole number from 1 to 10,000, got '-1'"},
      {Minimr() + " run " + yaml.string() + " -D cluster.workers=18446744073709551615",
       "cluster.workers: expected a whole number from 1 to 10,000"},
      {Minimr() + " run " + yaml.string() + " -D input.split_size=-1", "input.split_size: "},
      {Minimr() + " run " + yaml.string() + " -D params.n=-5",
       "params.n: the sequence length must be 1 to 8, got -5"},
      {Minimr() + " run " + yaml.string() + " -D params.n=99999999999999999999",
       "params.n: expected a whole number, got '99999999999999999999'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.command);
    // A command that took its bad number would start a master or a cluster: a home of the test's
    // own, and a hang guard.
    Result r = Shell("timeout 60 env -u MINIMR_HOME HOME=" + dir.path().string() + " " + c.command);
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << r.output;
  }
  EXPECT_EQ(cluster.MasterLog().find("registered"), std::string::npos)
      << "no worker joined with a bad option";
}

TEST(PiReport, TheEightDigitReportWritesOnlyTheKeysThatOccur) {
  TempDir dir("eight-digits");
  Result gen = Shell(Minimr() + " pi generate --digits 100000 --files 2 --out " +
                     (dir.path() / "pi").string());
  ASSERT_EQ(gen.status, 0) << gen.output;
  std::string digits;
  for (const char* name : {"pi100k.ascii.01of02", "pi100k.ascii.02of02"}) {
    for (char c : ReadFile(dir.path() / "pi" / name)) {
      if (c >= '0' && c <= '9') digits += c;
    }
  }
  std::set<std::string> keys;
  for (size_t i = 0; i + 8 <= digits.size(); ++i) keys.insert(digits.substr(i, 8));
  const fs::path yaml = dir.path() / "job.yaml";
  const fs::path out = dir.path() / "out";
  std::ofstream(yaml) << "job: pidigits\nparams: {n: 8}\ninput: {paths: "
                      << (dir.path() / "pi").string() << "/pi*}\noutput: {dir: " << out.string()
                      << "}\nreduce: {tasks: 2}\n";
  Result r = Shell(Minimr() + " run " + yaml.string());
  ASSERT_EQ(r.status, 0) << r.output;
  // The part files list the keys that occur; the report adds no copy of them beyond n = 5.
  std::set<std::string> listed;
  for (const auto& [key, count] : minimr::ReadOutput(out.string())) {
    EXPECT_TRUE(listed.insert(key).second) << key << " listed twice";
  }
  EXPECT_EQ(listed, keys) << "a record for each key that occurs, and no other";
  EXPECT_LE(listed.size(), digits.size()) << "far below the 100,000,000 possible keys";
  EXPECT_FALSE(fs::exists(out / "counts.csv"));
  EXPECT_NE(r.output.find("the part files list the keys present"), std::string::npos) << r.output;
  char present[64];
  std::snprintf(present, sizeof present, "%zu,%03zu of 100,000,000", keys.size() / 1000,
                keys.size() % 1000);
  EXPECT_NE(r.output.find(present), std::string::npos) << r.output;
}

// A report cut short (Ctrl-C, a kill) leaves its temporary files, hidden, in the output; the
// next report there removes them, and nothing else.
TEST(PiReport, AReportRemovesTheTemporaryFilesOfOneCutShortAndNothingElse) {
  TempDir dir("report-left");
  const fs::path yaml = dir.path() / "job.yaml";
  const fs::path out = dir.path() / "out";
  std::ofstream(yaml) << "job: pidigits\ninput:\n  paths: " << (dir.path() / "pi").string()
                      << "/pi2k.ascii.*\n  generate: {digits: 2000, files: 2}\noutput: {dir: "
                      << out.string() << "}\n";
  ASSERT_EQ(Shell(Minimr() + " run " + yaml.string() + " --no-report").status, 0);
  const std::vector<std::string> left = {".counts.csv.tmp-4194303-0", ".digits.png.tmp",
                                         ".pairs.png.gp.tmp", ".summary.txt.tmp-77-12"};
  const std::vector<std::string> others = {"notes.tmp", ".notes.txt", ".notes.tmp",
                                           ".x.tmp-1",  "a.tmp-1-2",  ".x.tmp-1-2-3"};
  for (const auto& name : left) std::ofstream(out / name) << "cut short";
  for (const auto& name : others) std::ofstream(out / name) << "the user's";
  fs::create_symlink("/dev/null", out / ".link.tmp");
  Result r = Shell(Minimr() + " report " + out.string() + " --plots svg");
  ASSERT_EQ(r.status, 0) << r.output;
  for (const auto& name : left) EXPECT_FALSE(fs::exists(out / name)) << name;
  for (const auto& name : others) EXPECT_EQ(ReadFile(out / name), "the user's") << name;
  EXPECT_TRUE(fs::is_symlink(out / ".link.tmp")) << "a link is not a file of ours";
  EXPECT_TRUE(fs::exists(out / "pairs.svg"));
}

TEST(Silence, ASubmitWaitingBehindAnotherJobSaysSo) {
  TempDir dir("waiting");
  Result gen = Shell(Minimr() + " pi generate --digits 20000 --files 2 --out " +
                     (dir.path() / "pi").string());
  ASSERT_EQ(gen.status, 0) << gen.output;
  // The one worker stops itself (SIGSTOP) as each job's map task 0 starts, and the test wakes it:
  // the first job is held, however slow the machine, until the second submit has said it waits.
  TestCluster cluster(dir.path() / "cluster", {"--worker-timeout", "10m"});
  const size_t w1 = cluster.AddWorker("w1", "stall@map:0#0");
  ASSERT_TRUE(cluster.WaitForRegistrations(1, std::chrono::seconds(30)));
  auto job = [&](const std::string& name) {
    const fs::path yaml = dir.path() / (name + ".yaml");
    std::ofstream(yaml) << "job: pidigits\ninput:\n  paths: " << (dir.path() / "pi").string()
                        << "/pi*\n  split_size: 4KiB\noutput: {dir: "
                        << (dir.path() / name).string() << "}\n";
    return yaml.string();
  };
  auto first = cluster.StartSubmit(job("first"), {});
  ASSERT_TRUE(WaitUntilStopped(cluster.worker(w1).pid(), std::chrono::seconds(60)))
      << cluster.MasterLog();
  auto second = cluster.StartSubmit(job("second"), {});
  EXPECT_TRUE(WaitForText(dir.path() / "cluster" / "submit-1.log",
                          "waiting for 1 job ahead of this one to finish, 1 worker",
                          std::chrono::seconds(60)))
      << ReadFile(dir.path() / "cluster" / "submit-1.log");
  cluster.worker(w1).Signal(SIGCONT);
  ASSERT_TRUE(first->WaitFor(std::chrono::seconds(120)));
  ASSERT_TRUE(WaitUntilStopped(cluster.worker(w1).pid(), std::chrono::seconds(60)))
      << cluster.MasterLog();
  cluster.worker(w1).Signal(SIGCONT);
  ASSERT_TRUE(second->WaitFor(std::chrono::seconds(120)));
  EXPECT_EQ(second->Ending(), "exited with status 0");
  EXPECT_TRUE(fs::exists(dir.path() / "second" / "_SUCCESS"));
}

}  // namespace
}  // namespace minimr::testing
