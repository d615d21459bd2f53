#include "framework/src/cli/master_signals.h"

#include <cstdlib>
#include <iostream>
#include <memory>

namespace minimr::cli {

namespace {

void WaitForSignal(boost::asio::signal_set& signals, runtime::Master& master,
                   const std::string& who, const std::function<void()>& abandon,
                   const std::shared_ptr<bool>& seen, bool* signalled) {
  signals.async_wait([&signals, &master, who, abandon, seen, signalled](
                         boost::system::error_code ec, int signal) {
    if (ec) return;  // cancelled: the master has stopped
    if (*seen) {
      std::cerr << who << " a second signal: exiting without waiting for the commit" << std::endl;
      // A third ends the process as it would have without us, should `abandon` hang too (its
      // files on the file system that does not answer).
      boost::system::error_code ignored;
      signals.clear(ignored);
      abandon();
      std::_Exit(128 + signal);
    }
    *seen = true;
    if (signalled) *signalled = true;
    std::cerr << who << " stopping" << std::endl;
    master.Stop();
    if (!master.stopped()) WaitForSignal(signals, master, who, abandon, seen, signalled);
  });
}

}  // namespace

void StopMasterOnSignals(boost::asio::signal_set& signals, runtime::Master& master,
                         const std::string& who, const std::function<void()>& abandon,
                         bool* signalled) {
  WaitForSignal(signals, master, who, abandon, std::make_shared<bool>(false), signalled);
}

}  // namespace minimr::cli
