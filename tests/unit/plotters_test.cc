// report::StartPlotters: gnuplot processes started ahead of the plots, which draw them.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "framework/src/api/plotters.h"
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

Heatmap TwoByTwo() {
  Heatmap plot;
  plot.title = "two by two";
  plot.rows = 2;
  plot.cols = 2;
  plot.values = {1, 2, 3, 4};
  plot.center = 2.5;
  return plot;
}

std::string Contents(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// While it lives, PATH holds no gnuplot: a plot can only be drawn by a plotter already running.
class NoGnuplotOnPath {
 public:
  explicit NoGnuplotOnPath(const fs::path& empty_dir) {
    const char* path = std::getenv("PATH");
    saved_ = path ? path : "";
    fs::create_directories(empty_dir);
    ::setenv("PATH", empty_dir.c_str(), 1);
  }
  ~NoGnuplotOnPath() { ::setenv("PATH", saved_.c_str(), 1); }

 private:
  std::string saved_;
};

class Plotters : public ::testing::Test {
 protected:
  void SetUp() override {
    if (system("command -v gnuplot >/dev/null 2>&1") != 0) GTEST_SKIP() << "no gnuplot";
    temp_ = std::make_unique<testing::TempDir>("plotters");
    dir_ = temp_->path();
  }
  void TearDown() override {
    StopPlotterProcesses();  // none left for the next test
    temp_.reset();
  }
  std::unique_ptr<testing::TempDir> temp_;
  fs::path dir_;
};

TEST_F(Plotters, AStartedPlotterDrawsPlotAfterPlotWithoutStartingGnuplotAgain) {
  ASSERT_TRUE(GnuplotChildren().empty());
  StartPlotters(1);
  const std::vector<pid_t> plotters = WaitForGnuplotChildren(1);
  ASSERT_EQ(plotters.size(), 1u);
  {
    NoGnuplotOnPath no_gnuplot(dir_ / "empty");
    PlotLine(ThreePoints(), (dir_ / "a.png").string());
    PlotLine(ThreePoints(), (dir_ / "b.png").string());
  }
  EXPECT_TRUE(IsPng(dir_ / "a.png"));
  EXPECT_TRUE(IsPng(dir_ / "b.png"));
  EXPECT_EQ(GnuplotChildren(), plotters);  // it waits for the next
}

TEST_F(Plotters, PlotsThatComeTogetherTakeTurnsOnOnePlotter) {
  StartPlotters(1, PlotFormat::kSvg);
  ASSERT_EQ(WaitForGnuplotChildren(1).size(), 1u);
  NoGnuplotOnPath no_gnuplot(dir_ / "empty");
  std::vector<std::string> errors(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < errors.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        PlotLine(ThreePoints(), (dir_ / ("t" + std::to_string(i) + ".svg")).string());
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (size_t i = 0; i < errors.size(); ++i) {
    EXPECT_EQ(errors[i], "") << i;
    EXPECT_NE(Contents(dir_ / ("t" + std::to_string(i) + ".svg")).find("</svg>"), std::string::npos)
        << i;
  }
}

TEST_F(Plotters, APlotDrawnAfterAnotherKeepsNoneOfItsSettings) {
  StartPlotters(1, PlotFormat::kSvg);
  ASSERT_EQ(WaitForGnuplotChildren(1).size(), 1u);
  // (The svg terminal draws a session's first plot a little differently from the next ones.)
  PlotLine(ThreePoints(), (dir_ / "first.svg").string());
  PlotLine(ThreePoints(), (dir_ / "after_a_line.svg").string());
  // The heat-map's settings (palette, ranges, ticks, labels) are forgotten after it.
  PlotHeatmap(TwoByTwo(), (dir_ / "heatmap.svg").string());
  PlotLine(ThreePoints(), (dir_ / "after_a_heatmap.svg").string());
  ASSERT_EQ(GnuplotChildren().size(), 1u);
  const std::string expected = Contents(dir_ / "after_a_line.svg");
  EXPECT_NE(expected.find("</svg>"), std::string::npos);
  EXPECT_EQ(Contents(dir_ / "after_a_heatmap.svg"), expected);
}

TEST_F(Plotters, AScriptThatFailsEndsItsPlotterAndReportsGnuplotsMessage) {
  StartPlotterProcesses(1, "set terminal svg");
  ASSERT_EQ(WaitForGnuplotChildren(1).size(), 1u);
  std::ofstream(dir_ / "good.gp") << "set output '" << (dir_ / "good.svg").string()
                                  << "'\nplot x\nunset output\n";
  std::ofstream(dir_ / "bad.gp") << "plot no_such_function(x)\n";
  std::optional<CommandResult> good =
      RunOnPlotter((dir_ / "good.gp").string(), "set terminal svg", std::chrono::seconds(60));
  ASSERT_TRUE(good.has_value());
  EXPECT_EQ(good->status, 0);
  EXPECT_EQ(good->output, "");
  std::optional<CommandResult> bad =
      RunOnPlotter((dir_ / "bad.gp").string(), "set terminal svg", std::chrono::seconds(60));
  ASSERT_TRUE(bad.has_value());
  EXPECT_NE(bad->status, 0);
  EXPECT_NE(bad->output.find("no_such_function"), std::string::npos) << bad->output;
  EXPECT_TRUE(GnuplotChildren().empty());
  // No plotter is left to draw the next: its caller starts gnuplot itself.
  EXPECT_FALSE(
      RunOnPlotter((dir_ / "good.gp").string(), "set terminal svg", std::chrono::seconds(60)));
}

TEST_F(Plotters, APlotterThatTakesTooLongIsKilled) {
  StartPlotterProcesses(1, "set terminal svg");
  ASSERT_EQ(WaitForGnuplotChildren(1).size(), 1u);
  std::ofstream(dir_ / "slow.gp") << "pause 30\n";
  std::optional<CommandResult> slow =
      RunOnPlotter((dir_ / "slow.gp").string(), "set terminal svg", std::chrono::milliseconds(300));
  ASSERT_TRUE(slow.has_value());
  EXPECT_EQ(slow->status, -1);
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
  // Which plotter drew a plot: the one that wrote to its FIFO of drawn plots (<script>.drawn).
  auto drawn_by = [&](const std::function<void()>& plot) {
    std::map<std::string, std::string> written;  // script -> its FIFO's time
    auto times = [&] {
      std::map<std::string, std::string> out;
      for (const auto& [script, terminal] : started_with) {
        struct stat st {};
        ::stat(fs::path(script).replace_extension(".drawn").c_str(), &st);
        out[script] = std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
      }
      return out;
    };
    const std::map<std::string, std::string> before_plot = times();
    plot();
    std::vector<std::string> terminals;
    for (const auto& [script, time] : times()) {
      if (time != before_plot.at(script)) terminals.push_back(started_with.at(script));
    }
    return terminals;
  };
  // The PNG plot is drawn by the plotter that loaded pngcairo, the SVG one by the other.
  EXPECT_EQ(drawn_by([&] { PlotLine(ThreePoints(), (dir_ / "a.png").string()); }),
            std::vector<std::string>{"set terminal pngcairo"});
  EXPECT_TRUE(IsPng(dir_ / "a.png"));
  EXPECT_EQ(drawn_by([&] { PlotLine(ThreePoints(), (dir_ / "a.svg").string()); }),
            std::vector<std::string>{"set terminal svg"});
  std::ifstream in(dir_ / "a.svg");
  std::string head;
  EXPECT_TRUE(std::getline(in, head) && head.rfind("<?xml", 0) == 0) << head;
  EXPECT_EQ(GnuplotChildren().size(), 2u);  // both wait for more
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
  EXPECT_EQ(GnuplotChildren().size(), 3u);  // they wait for more
  StartPlotters(3);
  EXPECT_EQ(GnuplotChildren().size(), 3u);
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
  {
    NoGnuplotOnPath no_gnuplot(dir_ / "empty");
    PlotLine(ThreePoints(), (dir_ / "h.png").string());  // drawn by that plotter
  }
  EXPECT_TRUE(IsPng(dir_ / "h.png"));
  EXPECT_EQ(GnuplotChildren().size(), 1u);
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
}

TEST_F(Plotters, WithoutPlottersAPlotStartsGnuplotItself) {
  StartPlotters(1);
  ASSERT_EQ(WaitForGnuplotChildren(1).size(), 1u);
  StopPlotterProcesses();
  EXPECT_TRUE(GnuplotChildren().empty());
  PlotLine(ThreePoints(), (dir_ / "c.png").string());
  EXPECT_TRUE(IsPng(dir_ / "c.png"));
  EXPECT_TRUE(GnuplotChildren().empty());
}

}  // namespace
}  // namespace minimr::report
