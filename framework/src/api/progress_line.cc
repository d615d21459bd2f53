#include "minimr/progress_line.h"

#include <unistd.h>

#include <ostream>

namespace minimr {

ProgressLine::ProgressLine(std::ostream& out, bool terminal, std::chrono::milliseconds interval)
    : out_(out), terminal_(terminal), interval_(interval) {}

bool ProgressLine::StdoutIsTerminal() { return ::isatty(STDOUT_FILENO) == 1; }

void ProgressLine::Update(const std::string& text) {
  auto now = std::chrono::steady_clock::now();
  auto min_gap = terminal_ ? std::chrono::milliseconds(100) : interval_;
  if (shown_ && now - last_ < min_gap) return;
  last_ = now;
  shown_ = true;
  if (terminal_) {
    out_ << '\r' << text;
    if (text.size() < last_width_) out_ << std::string(last_width_ - text.size(), ' ');
    last_width_ = text.size();
    out_.flush();
  } else {
    out_ << text << std::endl;
  }
}

void ProgressLine::Finish(const std::string& text) {
  if (terminal_) {
    out_ << '\r' << text;
    if (text.size() < last_width_) out_ << std::string(last_width_ - text.size(), ' ');
    out_ << std::endl;
  } else {
    out_ << text << std::endl;
  }
  last_width_ = 0;
  shown_ = false;
}

}  // namespace minimr
