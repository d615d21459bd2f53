#include "pidigits/pi_files.h"

#include <chrono>
#include <cstdio>
#include <ostream>

#include "minimr/progress_line.h"
#include "pidigits/kanada_files.h"
#include "pidigits/pi_generator.h"

namespace minimr::pidigits {

std::vector<std::string> GeneratePiFiles(uint64_t digits, int files, const std::string& dir,
                                         std::ostream& out) {
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  ProgressLine progress(out, ProgressLine::StdoutIsTerminal());
  auto show = [&](std::string_view phase, double fraction) {
    char text[128];
    std::snprintf(text, sizeof text, "pi: %.*s %3.0f%%  %.1f s", int(phase.size()), phase.data(),
                  100 * fraction, elapsed());
    progress.Update(text);
  };
  std::string text = ComputePiDigits(digits, show);
  std::vector<std::string> paths =
      WriteKanadaFiles(text, files, dir, [&](double fraction) { show("writing files", fraction); });
  char done[160];
  std::snprintf(done, sizeof done, "pi: %llu digits in %d file%s, %.1f s",
                static_cast<unsigned long long>(digits), files, files == 1 ? "" : "s", elapsed());
  progress.Finish(done);
  return paths;
}

}  // namespace minimr::pidigits
