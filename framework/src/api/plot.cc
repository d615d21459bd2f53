#include "minimr/plot.h"

#include <fcntl.h>
#include <sys/types.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <utility>

#include <gnuplot-iostream.h>

#include "framework/src/api/plotters.h"
#include "framework/src/util/process.h"
#include "framework/src/util/utf8.h"
#include "minimr/number_format.h"


namespace minimr::report {
namespace {

namespace fs = std::filesystem;

constexpr char kFontName[] = "DejaVu Sans";
constexpr int kFontPoints = 12;
constexpr char kPngSignature[] = "\x89PNG\r\n\x1a\n";

// A gnuplot single-quoted string literal, for paths and tick labels: nothing inside is
// interpreted; a quote is escaped by doubling it.
std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "''";
    } else {
      q += (c == '\n' || c == '\r') ? ' ' : c;
    }
  }
  return q + "'";
}

// A gnuplot double-quoted string literal, for titles and axis labels: "\n" starts a new line.
// Backquotes become quotes, since gnuplot would run the text between them as a command.
std::string Text(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '\\' || c == '"') {
      q += '\\';
      q += c;
    } else if (c == '\n') {
      q += "\\n";
    } else {
      q += (c == '`') ? '\'' : (c == '\r' ? ' ' : c);
    }
  }
  return q + "\"";
}

// A double-quoted data column (gnuplot data files do not escape quotes inside one).
std::string DataString(const std::string& s) {
  std::string q = "\"";
  for (char c : s) q += (c == '"' || c == '\n' || c == '\r') ? ' ' : c;
  return q + "\"";
}


// An axis range with ticks at round values (1, 2 or 5 times a power of ten), labelled with
// thousands separators, which gnuplot cannot do without a locale.
struct Axis {
  double lo = 0;
  double hi = 1;
  std::string tics;  // gnuplot tic list: ("1,000" 1000, ...)
};

Axis MakeAxis(double lo, double hi, double pad_fraction, int target_ticks) {
  if (!(hi > lo)) {
    const double half = std::max(std::abs(lo) * 1e-3, 1.0);
    lo -= half;
    hi += half;
  }
  const double pad = (hi - lo) * pad_fraction;
  Axis axis{lo - pad, hi + pad, ""};
  const double raw = (axis.hi - axis.lo) / target_ticks;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / magnitude;
  const double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
  const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  axis.tics = "(";
  const double first = std::ceil(axis.lo / step) * step;
  for (int i = 0; i <= 4 * target_ticks && first + i * step <= axis.hi + step * 1e-9; ++i) {
    const double t = first + i * step;
    char value[40];
    std::snprintf(value, sizeof value, "%.17g", t);
    if (axis.tics.size() > 1) axis.tics += ", ";
    axis.tics += Quote(WithThousands(t, decimals)) + " " + value;
  }
  axis.tics += ")";
  return axis;
}

// A gnuplot tic list putting labels[i] at position i, thinned to at most ~25 labels.
std::string IndexTics(const std::vector<std::string>& labels, size_t count) {
  const size_t every = std::max<size_t>(1, (count + 24) / 25);
  std::string tics = "(";
  for (size_t i = 0; i < count; i += every) {
    if (tics.size() > 1) tics += ", ";
    tics += Quote(labels.empty() ? std::to_string(i) : labels[i]) + " " + std::to_string(i);
  }
  return tics + ")";
}

std::string Title(const std::string& label) {
  return label.empty() ? "notitle" : "title " + Text(label);
}

// The end of what gnuplot printed, for messages.
std::string Tail(std::string text) {
  constexpr size_t kMax = 2000;
  if (text.size() > kMax) text = "..." + text.substr(text.size() - kMax);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text.empty() ? "(gnuplot printed nothing)" : text;
}

// The format a plot's file name asks for. Throws std::invalid_argument for any other name.
PlotFormat FormatOf(const std::string& path, const char* what) {
  const std::string extension = fs::path(path).extension().string();
  if (extension.size() > 1) {
    if (const std::optional<PlotFormat> format = ParsePlotFormat(extension.substr(1))) {
      return *format;
    }
  }
  throw std::invalid_argument(std::string(what) + " " + path +
                              ": the file name must end in .png or .svg (the plot's format)");
}

// A font size in `format` that looks like `points` in PNG: pngcairo draws a point as 4/3 of a
// pixel, svg as one unit of the 900-unit-wide picture.
int FontSize(PlotFormat format, int points) {
  return format == PlotFormat::kPng ? points : (points * 4 + 1) / 3;
}

// gnuplot's command for drawing `format` at `size` ("900,650").
std::string Terminal(PlotFormat format, const std::string& size) {
  const std::string font =
      " noenhanced font " +
      Quote(std::string(kFontName) + "," + std::to_string(FontSize(format, kFontPoints)));
  return format == PlotFormat::kPng
             ? "set terminal pngcairo size " + size + font
             : "set terminal svg size " + size + " fixed" + font + " background rgb 'white'";
}

// What a plotter started for `format` warms up with (minimr::report::StartPlotters).
std::string WarmTerminal(PlotFormat format) { return Terminal(format, "300,200"); }

// How much of a file of `format` gnuplot wrote at `path`: none (no file, or not of the format:
// a missing terminal), its start only (gnuplot does not check its writes: a full disk), or all
// of it (a PNG's signature and its IEND chunk; an SVG document ending with its closing tag).
enum class Written { kNone, kStartOnly, kWhole };
Written HowMuchWritten(const std::string& path, PlotFormat format) {
  std::ifstream in(path, std::ios::binary);
  const std::string_view head_wanted =
      format == PlotFormat::kPng ? std::string_view(kPngSignature, 8) : std::string_view("<?xml");
  std::string head(head_wanted.size(), '\0');
  if (!in.read(head.data(), head.size()) || head != head_wanted) return Written::kNone;
  // Only the end is read: a heat-map of many cells is a large file.
  constexpr std::streamoff kTail = 64;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(std::max<std::streamoff>(0, size - kTail));
  std::string tail((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (format == PlotFormat::kPng) {
    // The IEND chunk: no data, its type, and its CRC.
    static constexpr std::string_view kIend("\0\0\0\0IEND\xae\x42\x60\x82", 12);
    return tail.ends_with(kIend) ? Written::kWhole : Written::kStartOnly;
  }
  tail.erase(tail.find_last_not_of(" \t\r\n") + 1);
  return tail.ends_with("</svg>") ? Written::kWhole : Written::kStartOnly;
}

// Why gnuplot, exiting cleanly, left no whole file at `path`, for the user.
std::string WhyNotWhole(const std::string& path, Written written) {
  std::error_code ec;
  const fs::space_info space = fs::space(fs::path(path).parent_path(), ec);
  const bool known = !ec;
  const bool full = known && space.available < (1u << 20);  // (cut before its first bytes too)
  if (written == Written::kNone && !full) {
    return "is its terminal missing? gnuplot-nox has pngcairo and svg";
  }
  const uintmax_t size = fs::file_size(path, ec);
  std::string why = "it was cut short after " +
                    (ec ? std::string("some") : WithThousands(static_cast<double>(size))) +
                    " bytes: is the disk full";
  if (known) {
    why += " (" + WithThousands(static_cast<double>(space.available)) + " bytes free there)";
  }
  return why + ", or the file size limited (ulimit -f)?";
}

// gnuplot's svg terminal writes text as it is, escaping `<` and `&` but not the `&` of "&#x",
// which it takes for a character reference. What XML would refuse, or read as something else,
// is written here so that the file reads and the text shows as given: "&#x" as "&#x26;#x", `>`
// as "&#x3E;" (for "]]>"), control characters as spaces, and the bytes of a text that is not
// UTF-8, and U+FFFE and U+FFFF, as "?".
std::string ForSvg(const std::string& text) {
  const bool utf8 = IsUtf8(text);
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (text.compare(i, 3, "&#x") == 0) {
      out += "&#x26;#x";
      i += 2;
    } else if (c == '>') {
      out += "&#x3E;";
    } else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      out += ' ';
    } else if (c >= 0x80 && !utf8) {
      out += '?';
    } else if (text.compare(i, 3, "\xEF\xBF\xBE") == 0 || text.compare(i, 3, "\xEF\xBF\xBF") == 0) {
      out += '?';
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// The texts of `spec` as `format` needs them.
LinePlot TextsFor(PlotFormat format, LinePlot spec) {
  if (format != PlotFormat::kSvg) return spec;
  for (std::string* text : {&spec.title, &spec.x_label, &spec.y_label, &spec.series_label,
                            &spec.reference_label, &spec.band_label}) {
    *text = ForSvg(*text);
  }
  for (std::string& label : spec.x_labels) label = ForSvg(label);
  return spec;
}

Heatmap TextsFor(PlotFormat format, Heatmap spec) {
  if (format != PlotFormat::kSvg) return spec;
  for (std::string* text : {&spec.title, &spec.x_label, &spec.y_label, &spec.cb_label}) {
    *text = ForSvg(*text);
  }
  for (auto* labels : {&spec.cell_labels, &spec.row_labels, &spec.col_labels}) {
    for (std::string& label : *labels) label = ForSvg(label);
  }
  return spec;
}

// Removes the temporary files of one rendering when it goes out of scope.
class TempFiles {
 public:
  explicit TempFiles(std::vector<std::string> paths) : paths_(std::move(paths)) {}
  TempFiles(const TempFiles&) = delete;
  TempFiles& operator=(const TempFiles&) = delete;
  ~TempFiles() {
    std::error_code ignored;
    for (const auto& p : paths_) fs::remove(p, ignored);
  }

 private:
  std::vector<std::string> paths_;
};

// Writes a gnuplot script with `write_commands` (given the stream and the temporary file that
// `set output` must name), runs it, checks the file and renames it over `path`.
void Render(const std::string& path, PlotFormat format,
            const std::function<void(Gnuplot&, const std::string&)>& write_commands) {
  // Hidden, so that a report cut short leaves nothing that looks like a plot; the next report
  // in the directory removes them (RemoveLeftTemporaryFiles).
  const fs::path visible(path);
  const std::string hidden = (visible.parent_path() / ("." + visible.filename().string())).string();
  const std::string tmp_plot = hidden + ".tmp";
  const std::string script = hidden + ".gp.tmp";
  TempFiles cleanup({tmp_plot, script});
  {
    std::unique_ptr<Gnuplot> gp;
    try {
      gp = std::make_unique<Gnuplot>(">" + script);  // gnuplot-iostream's write-to-file mode
    } catch (const std::exception& e) {
      throw std::runtime_error("cannot draw " + path + ": " + e.what() + ": " +
                               std::strerror(errno));
    }
    errno = 0;
    write_commands(*gp, tmp_plot);
    *gp << "unset output" << std::endl;
    if (!*gp) {
      // The stream keeps no error code; errno still holds the failed write's (ENOSPC, EIO...).
      const int err = errno;
      throw std::runtime_error("cannot draw " + path + ": writing " + script + " failed: " +
                               (err != 0 ? std::strerror(err) : "the reason was not reported"));
    }
  }
  // gnuplot runs a script file, not a pipe: a pipe hides the exit status (gnuplot-iostream's
  // pclose drops it, and gnuplot keeps reading after an error) and a gnuplot that dies early
  // would kill us with SIGPIPE on the next write.
  constexpr auto kPatience = std::chrono::seconds(120);
  std::optional<CommandResult> on_plotter = RunOnPlotter(script, WarmTerminal(format), kPatience);
  CommandResult run = on_plotter ? *on_plotter : RunCommand({"gnuplot", script}, kPatience);
  if (run.status == -1 && FindInPath("gnuplot").empty()) {
    throw std::runtime_error("cannot draw " + path +
                             ": gnuplot is not installed (no `gnuplot` on PATH); install "
                             "gnuplot-nox, which has the pngcairo and svg terminals");
  }
  if (run.status != 0) {
    const std::string how = run.status == -1 ? "it did not finish or could not start"
                            : run.status > 128
                                ? "killed by signal " + std::to_string(run.status - 128)
                                : "exit status " + std::to_string(run.status);
    throw std::runtime_error("gnuplot failed to draw " + path + " (" + how + "):\n" +
                             Tail(run.output));
  }
  if (const Written written = HowMuchWritten(tmp_plot, format); written != Written::kWhole) {
    throw std::runtime_error("gnuplot exited cleanly but wrote no whole " + PlotExtension(format) +
                             " file for " + path + " (" + WhyNotWhole(tmp_plot, written) + "):\n" +
                             Tail(run.output));
  }
  std::error_code ec;
  fs::rename(tmp_plot, path, ec);
  if (ec) {
    throw std::runtime_error("cannot rename " + tmp_plot + " to " + path + ": " + ec.message());
  }
}

void WriteCommonSettings(Gnuplot& gp, PlotFormat format, const std::string& size,
                         const std::string& tmp_plot, const std::string& title,
                         const std::string& x_label, const std::string& y_label) {
  gp << "set encoding utf8\n"
     << Terminal(format, size) << "\n"
     << "set output " << Quote(tmp_plot) << "\n"
     << "set title " << Text(title) << " font '," << FontSize(format, 14) << "'\n"
     << "set xlabel " << Text(x_label) << "\n"
     << "set ylabel " << Text(y_label) << "\n";
}

bool AllFinite(const std::vector<double>& values) {
  return std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
}

}  // namespace

std::string PlotExtension(PlotFormat format) { return format == PlotFormat::kPng ? "png" : "svg"; }

std::optional<PlotFormat> ParsePlotFormat(std::string_view word) {
  if (word == "png") return PlotFormat::kPng;
  if (word == "svg") return PlotFormat::kSvg;
  return std::nullopt;
}

void StartPlotters(int count, PlotFormat format) {
  StartPlotterProcesses(count, WarmTerminal(format));
}

void PlotLine(const LinePlot& given, const std::string& path) {
  const PlotFormat format = FormatOf(path, "line plot");
  const LinePlot spec = TextsFor(format, given);
  const size_t n = spec.values.size();
  if (!AllFinite(spec.values) || (spec.reference && !std::isfinite(*spec.reference))) {
    throw std::invalid_argument("line plot " + path + ": values must be finite numbers");
  }
  if (n == 0 || spec.x_labels.size() != n) {
    throw std::invalid_argument("line plot " + path + ": needs one x label per value, got " +
                                std::to_string(spec.x_labels.size()) + " labels and " +
                                std::to_string(n) + " values");
  }
  double lo = *std::min_element(spec.values.begin(), spec.values.end());
  double hi = *std::max_element(spec.values.begin(), spec.values.end());
  const bool band = spec.reference && spec.band > 0;
  if (spec.reference) {
    lo = std::min(lo, *spec.reference - (band ? spec.band : 0));
    hi = std::max(hi, *spec.reference + (band ? spec.band : 0));
  }
  const Axis y = MakeAxis(lo, hi, 0.08, 7);
  const double x_hi = static_cast<double>(n) - 0.5;

  Render(path, format, [&](Gnuplot& gp, const std::string& tmp_plot) {
    WriteCommonSettings(gp, format, "900,650", tmp_plot, spec.title, spec.x_label, spec.y_label);
    gp << "set xrange [-0.5:" << x_hi << "]\n"
       << "set yrange [" << y.lo << ":" << y.hi << "]\n"
       << "set xtics " << IndexTics(spec.x_labels, n) << " nomirror scale 0\n"
       << "set ytics " << y.tics << " nomirror\n"
       << "set grid ytics lc rgb '#e4e4e4' lt 1\n"
       << "set border 3 lc rgb '#606060'\n"
       << "set key outside bottom center horizontal maxcols 3 Left reverse samplen 2.5 width -2 "
          "height 0.6\n"
       << "set lmargin 13\n";
    if (format == PlotFormat::kSvg) {
      // svg puts the rotated label's baseline, not its middle, where pngcairo puts its middle:
      // against the picture's edge with this margin.
      gp << "set ylabel offset 1,0\n";
    }
    std::string plot = "plot ";
    if (band) {
      plot += "'-' using 1:2:3 with filledcurves fc rgb '#dce9f5' fs solid 1.0 noborder " +
              Title(spec.band_label) + ", ";
    }
    if (spec.reference) {
      char ref[40];
      std::snprintf(ref, sizeof ref, "%.17g", *spec.reference);
      plot += std::string(ref) + " with lines dt 2 lw 2 lc rgb '#c0392b' " +
              Title(spec.reference_label) + ", ";
    }
    plot += "'-' using 1:2 with linespoints lw 2 pt 7 ps 1.4 lc rgb '#1f4e79' " +
            Title(spec.series_label);
    gp << plot << "\n";
    if (band) {
      const double r = *spec.reference;
      gp.send1d(std::vector<std::tuple<double, double, double>>{
          {-0.5, r - spec.band, r + spec.band}, {x_hi, r - spec.band, r + spec.band}});
    }
    std::vector<std::pair<double, double>> points;
    for (size_t i = 0; i < n; ++i) points.emplace_back(static_cast<double>(i), spec.values[i]);
    gp.send1d(points);
  });
}

void PlotHeatmap(const Heatmap& given, const std::string& path) {
  const PlotFormat format = FormatOf(path, "heat-map");
  const Heatmap spec = TextsFor(format, given);
  const size_t cells = spec.rows * spec.cols;
  if (!AllFinite(spec.values) || (spec.center && !std::isfinite(*spec.center))) {
    throw std::invalid_argument("heat-map " + path + ": values must be finite numbers");
  }
  if (cells == 0 || spec.values.size() != cells ||
      (!spec.cell_labels.empty() && spec.cell_labels.size() != cells) ||
      (!spec.row_labels.empty() && spec.row_labels.size() != spec.rows) ||
      (!spec.col_labels.empty() && spec.col_labels.size() != spec.cols)) {
    throw std::invalid_argument("heat-map " + path + ": " + std::to_string(spec.rows) + "x" +
                                std::to_string(spec.cols) + " needs that many values (got " +
                                std::to_string(spec.values.size()) +
                                ") and matching cell, row and column labels or none");
  }
  const auto [min_it, max_it] = std::minmax_element(spec.values.begin(), spec.values.end());
  double lo = *min_it;
  double hi = *max_it;
  if (spec.center) {
    double half =
        std::max({std::abs(hi - *spec.center), std::abs(*spec.center - lo), spec.min_half_range});
    if (!(half > 0)) half = std::max(std::abs(*spec.center) * 1e-3, 1.0);
    lo = *spec.center - half;
    hi = *spec.center + half;
  }
  const Axis cb = MakeAxis(lo, hi, 0.0, 6);
  lo = cb.lo;
  hi = cb.hi;

  // How dark the cell's colour is, 0..1, to pick a readable label colour.
  auto darkness = [&](double v) {
    if (spec.center) return std::abs(v - *spec.center) / (hi - *spec.center);
    return (v - lo) / (hi - lo);
  };

  Render(path, format, [&](Gnuplot& gp, const std::string& tmp_plot) {
    WriteCommonSettings(gp, format, "900,800", tmp_plot, spec.title, spec.x_label, spec.y_label);
    gp << "set xrange [-0.5:" << spec.cols - 0.5 << "]\n"
       << "set yrange [" << spec.rows - 0.5 << ":-0.5]\n"
       << "set xtics " << IndexTics(spec.col_labels, spec.cols) << " scale 0\n"
       << "set ytics " << IndexTics(spec.row_labels, spec.rows) << " scale 0\n"
       << "set size ratio " << static_cast<double>(spec.rows) / static_cast<double>(spec.cols)
       << "\n"
       << "set cbrange [" << lo << ":" << hi << "]\n"
       << "set cbtics " << cb.tics << "\n"
       << "set cblabel " << Text(spec.cb_label) << " offset 1,0\n"
       << "set colorbox user origin graph 1.04, graph 0 size graph 0.04, graph 1\n"
       << "set rmargin 16\n"
       << "unset key\n";
    if (spec.center) {
      gp << "set palette defined (0 '#2166ac', 0.25 '#92c5de', 0.5 '#f7f7f7', "
            "0.75 '#f4a582', 1 '#b2182b')\n";
    } else {
      gp << "set palette defined (0 '#f7fbff', 0.5 '#6baed6', 1 '#08306b')\n";
    }
    const int font_size = FontSize(
        format, static_cast<int>(std::clamp<size_t>(120 / std::max(spec.rows, spec.cols), 6, 12)));
    // In SVG an image is an embedded PNG of one pixel a cell, which viewers blur when they scale
    // it up; `pixels` draws each cell as a rectangle instead.
    gp << "plot '-' using 1:2:3 with image" << (format == PlotFormat::kSvg ? " pixels" : "");
    if (!spec.cell_labels.empty()) {
      gp << ", '-' using 1:2:3:4 with labels tc rgb variable font '," << font_size << "'";
    }
    gp << "\n";
    std::vector<std::vector<std::tuple<double, double, double>>> grid(spec.rows);
    for (size_t r = 0; r < spec.rows; ++r) {
      for (size_t c = 0; c < spec.cols; ++c) {
        grid[r].emplace_back(static_cast<double>(c), static_cast<double>(r),
                             spec.values[r * spec.cols + c]);
      }
    }
    gp.send2d(grid);
    if (!spec.cell_labels.empty()) {
      std::vector<std::tuple<double, double, std::string, long>> labels;
      for (size_t i = 0; i < cells; ++i) {
        const long colour = darkness(spec.values[i]) > 0.6 ? 0xffffff : 0x202020;
        labels.emplace_back(static_cast<double>(i % spec.cols), static_cast<double>(i / spec.cols),
                            DataString(spec.cell_labels[i]), colour);
      }
      gp.send1d(labels);
    }
  });
}

}  // namespace minimr::report
