// Progress for long work. On a terminal: one line rewritten in place. Otherwise (a log file, a
// pipe, an SGE job's output): a plain line now and then, so logs stay readable.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>

namespace minimr {

class ProgressLine {
 public:
  // `terminal`: whether `out` is a terminal. `interval`: how often a plain line is printed when not.
  ProgressLine(std::ostream& out, bool terminal,
               std::chrono::milliseconds interval = std::chrono::seconds(5));
  // Shows `text` (one line, no '\n'); rate-limited, so it can be called as often as wanted.
  void Update(const std::string& text);
  // Shows `text` as the final state and ends the line.
  void Finish(const std::string& text);

  // Whether standard output is a terminal.
  static bool StdoutIsTerminal();

 private:
  std::ostream& out_;
  bool terminal_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point last_{};
  size_t last_width_ = 0;
  bool shown_ = false;
};

}  // namespace minimr
