// A plugin that starts a thread as it loads: `minimr run` then runs more than one thread and
// starts its master and workers as programs (ChildProcess::ForkOrExec) instead of forking. Each
// process that loads it appends its command line (/proc/self/cmdline, the arguments after the
// program, joined by spaces) to the file named by $MINIMR_TEST_COMMANDS, so that a test can see
// which ran as programs, and with what. Its job counts letters.
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "minimr/job.h"
#include "minimr/sum_reducer.h"

namespace {

class LetterMapper : public minimr::Mapper {
 public:
  void Map(std::string_view, std::string_view line, minimr::Emitter& out) override {
    for (char c : line) {
      if (!std::isalpha(static_cast<unsigned char>(c))) continue;
      char letter = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.Emit(std::string_view(&letter, 1), "1");
    }
  }
};

const bool started = [] {
  if (const char* path = std::getenv("MINIMR_TEST_COMMANDS")) {
    std::ifstream cmdline("/proc/self/cmdline");
    std::string program, arg, line;
    std::getline(cmdline, program, '\0');
    while (std::getline(cmdline, arg, '\0')) line += (line.empty() ? "" : " ") + arg;
    std::ofstream(path, std::ios::app) << line + "\n";
  }
  std::thread([] {
    for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
  }).detach();
  return true;
}();

}  // namespace

MINIMR_REGISTER_JOB(threaded_letters,
                    minimr::MakeJob<LetterMapper, minimr::SumReducer>().Describe(
                        "how often each letter occurs, from a plugin that starts a thread"));
