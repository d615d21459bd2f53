// minimr/plot.h's formats: a plot is drawn as PNG or SVG by its file name, and nothing else.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>

#include "minimr/plot.h"
#include "tests/common/read_file.h"

namespace minimr::report {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;

LinePlot ThreePoints() {
  LinePlot plot;
  plot.title = "three points";
  plot.y_label = "count";
  plot.x_labels = {"a", "b", "c"};
  plot.values = {1, 3, 2};
  return plot;
}

Heatmap TwoByTwo() {
  Heatmap map;
  map.title = "two by two";
  map.rows = 2;
  map.cols = 2;
  map.values = {-1, 0, 1, 2};
  map.cell_labels = {"c00", "c01", "c10", "c11"};
  map.center = 0;
  return map;
}

class PlotFormats : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "plot_format_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    RestorePath();
    fs::remove_all(dir_);
  }

  void NeedGnuplot() {
    if (system("command -v gnuplot >/dev/null 2>&1") != 0) GTEST_SKIP() << "no gnuplot";
  }

  // Puts a stand-in gnuplot first on PATH (until the test ends) that writes `text` to the file
  // its script's `set output` names and exits 0.
  void FakeGnuplotWriting(const std::string& text) {
    const fs::path bin = dir_ / "bin";
    fs::create_directories(bin);
    std::ofstream(dir_ / "fake-output") << text;
    std::ofstream(bin / "gnuplot") << "#!/bin/sh\n"
                                      "out=$(sed -n \"s/^set output '\\(.*\\)'$/\\1/p\" \"$1\")\n"
                                      "cat '"
                                   << (dir_ / "fake-output").string() << "' > \"$out\"\n";
    fs::permissions(bin / "gnuplot", fs::perms::owner_all);
    faked_path_ = true;
    if (const char* path = getenv("PATH")) old_path_ = path;
    setenv("PATH", (bin.string() + ":" + old_path_.value_or("")).c_str(), 1);
  }
  void RestorePath() {
    if (!faked_path_) return;
    if (old_path_) {
      setenv("PATH", old_path_->c_str(), 1);
    } else {
      unsetenv("PATH");
    }
    faked_path_ = false;
  }

  fs::path dir_;
  bool faked_path_ = false;
  std::optional<std::string> old_path_;
};

TEST(PlotFormat, TheWordsOfTheFormatsAreTheirExtensions) {
  EXPECT_EQ(ParsePlotFormat("png"), PlotFormat::kPng);
  EXPECT_EQ(ParsePlotFormat("svg"), PlotFormat::kSvg);
  EXPECT_EQ(PlotExtension(PlotFormat::kPng), "png");
  EXPECT_EQ(PlotExtension(PlotFormat::kSvg), "svg");
  for (const char* other : {"", "PNG", "pdf", "svg ", ".svg"}) {
    EXPECT_EQ(ParsePlotFormat(other), std::nullopt) << other;
  }
}

TEST_F(PlotFormats, AnSvgNameDrawsAWholeSvgDocument) {
  NeedGnuplot();
  const fs::path svg = dir_ / "line.svg";
  PlotLine(ThreePoints(), svg.string());
  const std::string text = ReadFile(svg);
  EXPECT_EQ(text.rfind("<?xml", 0), 0u) << text.substr(0, 200);
  EXPECT_NE(text.find("<svg"), std::string::npos);
  EXPECT_NE(text.find("three points"), std::string::npos);
  EXPECT_NE(text.find("</svg>"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / ".line.svg.tmp"));
  EXPECT_FALSE(fs::exists(dir_ / ".line.svg.gp.tmp"));
}

TEST_F(PlotFormats, AnSvgHeatmapDrawsItsCellsAsShapesNotAnImageThatViewersBlur) {
  NeedGnuplot();
  const fs::path svg = dir_ / "map.svg";
  PlotHeatmap(TwoByTwo(), svg.string());
  const std::string text = ReadFile(svg);
  EXPECT_NE(text.find("c11"), std::string::npos);
  EXPECT_EQ(text.find("<image"), std::string::npos) << "the cells are an embedded image";
}

TEST_F(PlotFormats, AnyOtherNameIsRefusedAndNothingIsWritten) {
  for (const char* name : {"plot.pdf", "plot", "plot.PNG", ".svg", "plot.svg.bak"}) {
    const std::string path = (dir_ / name).string();
    try {
      PlotLine(ThreePoints(), path);
      ADD_FAILURE() << name << " was drawn";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(path + ": the file name must end in .png or .svg"),
                std::string::npos)
          << e.what();
    }
    EXPECT_THROW(PlotHeatmap(TwoByTwo(), path), std::invalid_argument) << name;
  }
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(PlotFormats, AnSvgThatGnuplotLeftUnfinishedIsRefusedAndNotKept) {
  FakeGnuplotWriting("<?xml version=\"1.0\"?>\n<svg width=\"900\">\n<g>\n");
  const fs::path svg = dir_ / "cut.svg";
  try {
    PlotLine(ThreePoints(), svg.string());
    ADD_FAILURE() << "an unfinished SVG was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("wrote no whole svg file for " + svg.string()),
              std::string::npos)
        << e.what();
  }
  RestorePath();
  EXPECT_FALSE(fs::exists(svg));
  EXPECT_FALSE(fs::exists(dir_ / ".cut.svg.tmp"));
}

// A full disk: gnuplot does not check its writes, and exits 0 having written the start of a PNG.
// The plot of the report before stays as it was.
TEST_F(PlotFormats, APngCutShortIsRefusedAndThePlotBeforeItIsKept) {
  const fs::path png = dir_ / "cut.png";
  std::ofstream(png) << "the plot before";
  FakeGnuplotWriting(std::string("\x89PNG\r\n\x1a\n", 8) + std::string(1000, 'x'));
  try {
    PlotLine(ThreePoints(), png.string());
    ADD_FAILURE() << "a PNG cut short was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("wrote no whole png file for " + png.string() +
                                         " (it was cut short after 1,008 bytes: is the disk full"),
              std::string::npos)
        << e.what();
  }
  RestorePath();
  EXPECT_EQ(ReadFile(png), "the plot before");
  EXPECT_FALSE(fs::exists(dir_ / ".cut.png.tmp"));
}

TEST_F(PlotFormats, APngThatEndsWithItsEndChunkIsKept) {
  const std::string whole = std::string("\x89PNG\r\n\x1a\n", 8) + "chunks" +
                            std::string("\0\0\0\0IEND\xae\x42\x60\x82", 12);
  FakeGnuplotWriting(whole);
  const fs::path png = dir_ / "whole.png";
  PlotLine(ThreePoints(), png.string());
  RestorePath();
  EXPECT_EQ(ReadFile(png), whole);
}

TEST_F(PlotFormats, AnSvgThatEndsWithItsClosingTagIsKept) {
  const std::string whole = "<?xml version=\"1.0\"?>\n<svg width=\"900\">\n</svg>\n\n";
  FakeGnuplotWriting(whole);
  const fs::path svg = dir_ / "whole.svg";
  PlotLine(ThreePoints(), svg.string());
  RestorePath();
  EXPECT_EQ(ReadFile(svg), whole);
}

TEST_F(PlotFormats, TextThatLooksLikeACharacterReferenceReadsAsGivenInSvg) {
  NeedGnuplot();
  LinePlot plot = ThreePoints();
  plot.title = "a &#xZZ b &#x41; c & d < e";
  plot.x_labels = {"&#x0;", "b", "c"};
  const fs::path svg = dir_ / "refs.svg";
  PlotLine(plot, svg.string());
  const std::string text = ReadFile(svg);
  // "&#xZZ" would make the file unreadable XML and "&#x41;" would show as "A".
  EXPECT_EQ(text.find("&#xZZ"), std::string::npos);
  EXPECT_EQ(text.find("&#x41;"), std::string::npos);
  EXPECT_EQ(text.find("&#x0;"), std::string::npos);
  EXPECT_NE(text.find("a &#x26;#xZZ b &#x26;#x41; c &amp; d &lt; e"), std::string::npos);
}

TEST_F(PlotFormats, TextThatXmlWouldRefuseIsWrittenSoThatTheSvgReads) {
  NeedGnuplot();
  Heatmap map = TwoByTwo();
  map.title = "end ]]> of CDATA";
  map.cb_label = "form\ffeed";
  map.cell_labels = {"c\x1b[0m", "\xff\xfe not UTF-8", "\xEF\xBF\xBF", "&#x2;"};
  map.row_labels = {"r>0", "r1"};
  map.col_labels = {"k0", "k&#x1;"};
  const fs::path svg = dir_ / "xml.svg";
  PlotHeatmap(map, svg.string());
  const std::string text = ReadFile(svg);
  EXPECT_EQ(text.find("]]>"), std::string::npos);
  EXPECT_NE(text.find("end ]]&#x3E; of CDATA"), std::string::npos);
  EXPECT_NE(text.find("form feed"), std::string::npos);
  EXPECT_NE(text.find("c [0m"), std::string::npos);
  EXPECT_NE(text.find("?? not UTF-8"), std::string::npos);
  EXPECT_EQ(text.find("\xEF\xBF\xBF"), std::string::npos);
  EXPECT_NE(text.find("r&#x3E;0"), std::string::npos);
  EXPECT_NE(text.find("k&#x26;#x1;"), std::string::npos);
  EXPECT_NE(text.find("&#x26;#x2;"), std::string::npos);
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    EXPECT_FALSE(byte < 0x20 && c != '\t' && c != '\n' && c != '\r') << int(byte);
  }
}

TEST_F(PlotFormats, APngNameStillDrawsAPng) {
  NeedGnuplot();
  const fs::path png = dir_ / "map.png";
  PlotHeatmap(TwoByTwo(), png.string());
  EXPECT_EQ(ReadFile(png).compare(0, 8, "\x89PNG\r\n\x1a\n"), 0);
}

}  // namespace
}  // namespace minimr::report
