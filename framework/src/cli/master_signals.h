// How the commands that run a master (`minimr master`, a cluster's `serve`) stop on their
// ending signals (EndingSignals): the first stops the master, which first finishes a commit under
// way and sends its result; a second, while it waits for that (a file system that does not
// answer), runs `abandon` (the command's own clean-up: its connection file) and ends the process
// at once with 128 + the signal. A commit survives a kill at any step: the old output or the new
// one is in place, whole.
#pragma once

#include <functional>
#include <string>

#include "framework/src/runtime/master.h"

namespace minimr::cli {

// Waits on `signals` (which the master's on_stop cancels) for as long as the master runs. `who`
// prefixes the lines logged ("[master]"); *signalled, if given, is set once a signal came.
void StopMasterOnSignals(boost::asio::signal_set& signals, runtime::Master& master,
                         const std::string& who, const std::function<void()>& abandon,
                         bool* signalled = nullptr);

}  // namespace minimr::cli
