// The signals that end a minimr command in good order: Ctrl-C (SIGINT), SIGTERM, and a closed
// terminal (SIGHUP) unless the command was started to outlive one: nohup leaves SIGHUP ignored,
// and a handler of ours would undo that. Ask before installing a handler for SIGHUP.
#pragma once

#include <signal.h>

#include <vector>

namespace minimr {

inline std::vector<int> EndingSignals() {
  std::vector<int> signals = {SIGINT, SIGTERM};
  struct sigaction hangup {};
  if (::sigaction(SIGHUP, nullptr, &hangup) == 0 && hangup.sa_handler != SIG_IGN) {
    signals.push_back(SIGHUP);
  }
  return signals;
}

}  // namespace minimr
