// Plots drawn by gnuplot (headless), as PNG (pngcairo terminal) or SVG (svg terminal). Each call
// renders into `<path>.tmp` and renames it over `path` only once gnuplot has exited cleanly, so a
// failed plot never leaves a partial file. This header keeps gnuplot-iostream out of its users.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace minimr::report {

// A plot's file format, chosen by a job file's `output.plots`. SVG is vector (it scales, and
// opens in any web browser) and is drawn in a few milliseconds; PNG is a 900-pixel-wide image
// that takes gnuplot tens of milliseconds to rasterise and compress.
enum class PlotFormat { kPng, kSvg };

// "png" or "svg": the file name extension, and the word a job file uses. A report names its
// plot `"digits." + PlotExtension(context.plots)`.
std::string PlotExtension(PlotFormat format);

// The format named by "png" or "svg"; nullopt for anything else.
std::optional<PlotFormat> ParsePlotFormat(std::string_view word);

// Values over labelled x positions 0, 1, ..., drawn as points joined by a line. The y axis
// spans the data (and the reference band), not zero: the deviations are what is shown.
struct LinePlot {
  std::string title;  // "\n" starts a second line, as in every text below
  std::string x_label;
  std::string y_label;
  std::vector<std::string> x_labels;  // one per value, written under its point
  std::vector<double> values;
  std::string series_label;         // legend entry of the values; empty: none
  std::optional<double> reference;  // a horizontal line, e.g. the expected count
  std::string reference_label;      // its legend entry; empty: none
  double band = 0;                  // if > 0 and `reference` is set: shade reference +- band
  std::string band_label;           // the band's legend entry; empty: none
};

// A rows x cols matrix drawn as coloured cells, row 0 at the top, with a colour bar.
struct Heatmap {
  std::string title;
  std::string x_label;   // names the columns, e.g. "second digit"
  std::string y_label;   // names the rows, e.g. "first digit"
  std::string cb_label;  // names the colour bar
  size_t rows = 0;
  size_t cols = 0;
  std::vector<double> values;            // rows * cols, row-major: values[r * cols + c]
  std::vector<std::string> cell_labels;  // empty, or rows * cols texts written in the cells
  std::vector<std::string> row_labels;   // empty (0, 1, ...), or one tick label per row
  std::vector<std::string> col_labels;   // empty (0, 1, ...), or one tick label per column
  // If set, colours diverge from white at `center` (blue below, red above) over a range
  // symmetric about it; otherwise they run from light to dark over [min, max].
  std::optional<double> center;
  double min_half_range = 0;  // with `center`: the colours span at least center +- this
};

// Makes sure `count` gnuplot processes wait for plots, starting those that are missing: each
// draws a throw-away plot in `format` (which loads gnuplot and that terminal, with the fonts
// pngcairo needs) and then draws this process's plots, one after another, without that start-up.
// `count` is how many plots can be drawn at once: a plot that finds every one of them drawing
// waits for one. Start them from the main thread, as early as the plots are known to come, so
// that their start-up overlaps other work; asking again for as many starts none. Without them,
// plots start gnuplot as usual. Never throws; they are stopped at exit.
void StartPlotters(int count, PlotFormat format = PlotFormat::kPng);

// Draws `spec` 900x650 at `path`, replacing any file there, as PNG or SVG by the name's
// extension (".png" or ".svg").
// Throws std::invalid_argument if the extension is neither, if values and x_labels differ in
// size or are empty or a value is not finite, and std::runtime_error if gnuplot is not
// installed or fails (the message quotes gnuplot).
void PlotLine(const LinePlot& spec, const std::string& path);

// Draws `spec` 900x800 at `path`, replacing any file there, as PNG or SVG by the name's
// extension (".png" or ".svg").
// Throws std::invalid_argument if the extension is neither, if the vectors do not match rows
// and cols or a value is not finite, and std::runtime_error if gnuplot is not installed or
// fails (the message quotes gnuplot).
void PlotHeatmap(const Heatmap& spec, const std::string& path);

}  // namespace minimr::report
