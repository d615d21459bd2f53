// Signals held back (blocked) in the calling thread for the life of the object, then let in
// again as they were: one that comes meanwhile is taken when it goes.
#pragma once

#include <signal.h>

#include <initializer_list>

namespace minimr {

class SignalsHeld {
 public:
  // Every signal (around a fork, so that the child runs none of this process's handlers).
  SignalsHeld() {
    sigset_t all;
    sigfillset(&all);
    ::pthread_sigmask(SIG_BLOCK, &all, &saved_);
  }
  // These (around a step that must not be cut short: SIGINT, SIGTERM...).
  explicit SignalsHeld(std::initializer_list<int> signals) {
    sigset_t held;
    sigemptyset(&held);
    for (int signal : signals) sigaddset(&held, signal);
    ::pthread_sigmask(SIG_BLOCK, &held, &saved_);
  }
  ~SignalsHeld() { ::pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  SignalsHeld(const SignalsHeld&) = delete;
  SignalsHeld& operator=(const SignalsHeld&) = delete;

 private:
  sigset_t saved_;
};

}  // namespace minimr
