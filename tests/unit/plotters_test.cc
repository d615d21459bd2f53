// report::StartPlotters: gnuplot processes started ahead of the plots, which draw them.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "framework/src/util/process.h"
#include "minimr/plot.h"
#include "tests/common/temp_dir.h"

namespace minimr::report {
namespace {

namespace fs = std::filesystem;

// The gnuplot processes this test process has started and that still run.
std::vector<pid_t> GnuplotChildren() {
  std::vector<pid_t> pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    const size_t open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    char state = 0;
    pid_t ppid = 0;
    std::sscanf(line.c_str() + close + 1, " %c %d", &state, &ppid);
    if (line.substr(open + 1, close - open - 1) == "gnuplot" && ppid == ::getpid() &&
        state != 'Z') {
      pids.push_back(std::stoi(name));
    }
  }
  return pids;
}

std::vector<pid_t> WaitForGnuplotChildren(size_t count) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::vector<pid_t> pids;
  while ((pids = GnuplotChildren()).size() < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pids;
}

LinePlot ThreePoints() {
  LinePlot plot;
  plot.title = "three points";
  plot.x_labels = {"a", "b", "c"};
  plot.values = {1, 3, 2};
  return plot;
}

bool IsPng(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  char head[4] = {};
  return in.read(head, 4) && std::string(head + 1, 3) == "PNG";
}

class Plotters : public ::testing::Test {
 protected:
  void SetUp() override {
    if (system("command -v gnuplot >/dev/null 2>&1") != 0) GTEST_SKIP() << "no gnuplot";
    temp_ = std::make_unique<testing::TempDir>("plotters");
    dir_ = temp_->path();
  }
  void TearDown() override { temp_.reset(); }
  std::unique_ptr<testing::TempDir> temp_;
  fs::path dir_;
};

TEST_F(Plotters, AStartedPlotterDrawsTheNextPlotAndIsGone) {
  ASSERT_TRUE(GnuplotChildren().empty());
  StartPlotters(1);
  ASSERT_EQ(WaitForGnuplotChildren(1).size(), 1u);
  PlotLine(ThreePoints(), (dir_ / "a.png").string());
  EXPECT_TRUE(IsPng(dir_ / "a.png"));
  // Drawn by the waiting plotter, which has exited: none is left waiting.
  EXPECT_TRUE(GnuplotChildren().empty());
}

// The throw-away scripts of this process's plotters, each with its terminal (its first line).
std::map<fs::path, std::string> WarmUpScripts() {
  const char* tmp = std::getenv("TMPDIR");
  const fs::path parent = tmp && *tmp ? tmp : "/tmp";
  const std::string prefix = "minimr-plot-" + std::to_string(::getpid()) + "-";
  std::map<fs::path, std::string> scripts;
  for (const auto& dir : fs::directory_iterator(parent)) {
    if (dir.path().filename().string().rfind(prefix, 0) != 0) continue;
    for (const auto& file : fs::directory_iterator(dir.path())) {
      if (file.path().extension() != ".gp") continue;
      std::ifstream in(file.path());
      std::string first;
      std::getline(in, first);
      scripts[file.path()] = first.substr(0, first.find(" size"));
    }
  }
  return scripts;
}

TEST_F(Plotters, PlottersStartedForEachFormatWarmUpWithItsTerminalAndDrawIt) {
  ASSERT_TRUE(GnuplotChildren().empty());
  const std::map<fs::path, std::string> before = WarmUpScripts();
  StartPlotters(1, PlotFormat::kSvg);
  StartPlotters(1, PlotFormat::kPng);  // one more: the svg one has not loaded pngcairo
  StartPlotters(1, PlotFormat::kSvg);  // none more
  ASSERT_EQ(WaitForGnuplotChildren(2).size(), 2u);
  std::vector<std::string> started;
  std::map<std::string, std::string> started_with;  // script path -> terminal
  for (const auto& [path, terminal] : WarmUpScripts()) {
    if (before.count(path)) continue;
    started.push_back(terminal);
    started_with[path.string()] = terminal;
  }
  std::sort(started.begin(), started.end());
  EXPECT_EQ(started, (std::vector<std::string>{"set terminal pngcairo", "set terminal svg"}));
  // The PNG plot is drawn by the plotter that loaded pngcairo: the one left is the svg one.
  PlotLine(ThreePoints(), (dir_ / "a.png").string());
  EXPECT_TRUE(IsPng(dir_ / "a.png"));
  const std::vector<pid_t> left = GnuplotChildren();
  ASSERT_EQ(left.size(), 1u);
  std::ifstream cmdline("/proc/" + std::to_string(left[0]) + "/cmdline");
  std::string gnuplot, script;
  std::getline(cmdline, gnuplot, '\0');
  std::getline(cmdline, script, '\0');
  EXPECT_EQ(started_with.at(script), "set terminal svg") << script;
  PlotLine(ThreePoints(), (dir_ / "a.svg").string());
  std::ifstream in(dir_ / "a.svg");
  std::string head;
  EXPECT_TRUE(std::getline(in, head) && head.rfind("<?xml", 0) == 0) << head;
  EXPECT_TRUE(GnuplotChildren().empty());
}

TEST_F(Plotters, AskingAgainForTheSamePlotsStartsNoMorePlotters) {
  StartPlotters(2);
  StartPlotters(2);
  EXPECT_EQ(GnuplotChildren().size(), 2u);
  StartPlotters(3);
  EXPECT_EQ(GnuplotChildren().size(), 3u);
  for (const char* name : {"e.png", "f.png", "g.png"}) {
    PlotLine(ThreePoints(), (dir_ / name).string());
  }
  EXPECT_TRUE(GnuplotChildren().empty());  // each drew one: none left for the next test
}

TEST_F(Plotters, AForkOfThisProcessThatCallsExitLeavesItsPlottersAlone) {
  StartPlotters(1);
  ASSERT_EQ(WaitForGnuplotChildren(1).size(), 1u);
  // The pool's directory: its FIFO, the script and log of each plotter.
  const char* tmp = std::getenv("TMPDIR");
  const std::string prefix = "minimr-plot-" + std::to_string(::getpid()) + "-";
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(tmp && *tmp ? tmp : "/tmp")) {
    if (entry.path().filename().string().rfind(prefix, 0) == 0) dirs.push_back(entry.path());
  }
  ASSERT_EQ(dirs.size(), 1u);
  // exit() runs the fork's static destructors, the plotter pool's among them: on its copy.
  ChildProcess fork = ChildProcess::Fork("test-child", []() -> int { std::exit(0); }, "");
  ASSERT_TRUE(fork.WaitFor(std::chrono::seconds(30)));
  EXPECT_TRUE(fork.ExitedCleanly());
  EXPECT_TRUE(fs::exists(dirs[0] / "plotter-0.fifo"));
  EXPECT_EQ(GnuplotChildren().size(), 1u);
  PlotLine(ThreePoints(), (dir_ / "h.png").string());  // drawn by that plotter
  EXPECT_TRUE(IsPng(dir_ / "h.png"));
  EXPECT_TRUE(GnuplotChildren().empty());
}

TEST_F(Plotters, APlotterThatDiedIsPassedOverAndThePlotStillDrawn) {
  StartPlotters(1);
  std::vector<pid_t> plotters = WaitForGnuplotChildren(1);
  ASSERT_EQ(plotters.size(), 1u);
  ::kill(plotters[0], SIGKILL);
  PlotLine(ThreePoints(), (dir_ / "b.png").string());
  EXPECT_TRUE(IsPng(dir_ / "b.png"));
}

TEST_F(Plotters, TheDirectoryOfAPlotterOwnerThatWasKilledIsRemoved) {
  // A process that has exited: its pid names no process (for now).
  const pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ASSERT_GT(gone, 0);
  ::waitpid(gone, nullptr, 0);
  const char* tmp = std::getenv("TMPDIR");
  const fs::path parent = tmp && *tmp ? tmp : "/tmp";
  const fs::path abandoned = parent / ("minimr-plot-" + std::to_string(gone) + "-test");
  const fs::path alive = parent / ("minimr-plot-" + std::to_string(::getppid()) + "-test");
  fs::create_directories(abandoned);
  fs::create_directories(alive);
  std::ofstream(abandoned / "plotter-0.log") << "left behind";
  StartPlotters(1);
  EXPECT_FALSE(fs::exists(abandoned));
  EXPECT_TRUE(fs::exists(alive));  // its owner still runs
  fs::remove_all(alive);
  fs::remove_all(abandoned);
  PlotLine(ThreePoints(),
           (dir_ / "i.png").string());  // on that plotter: none left for the next test
}

TEST_F(Plotters, PlotsBeyondTheStartedOnesStartGnuplotThemselves) {
  StartPlotters(1);
  ASSERT_EQ(WaitForGnuplotChildren(1).size(), 1u);
  PlotLine(ThreePoints(), (dir_ / "c.png").string());
  PlotLine(ThreePoints(), (dir_ / "d.png").string());
  EXPECT_TRUE(IsPng(dir_ / "c.png"));
  EXPECT_TRUE(IsPng(dir_ / "d.png"));
}

}  // namespace
}  // namespace minimr::report
