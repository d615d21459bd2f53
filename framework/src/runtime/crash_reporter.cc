#include "framework/src/runtime/crash_reporter.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

namespace minimr::runtime {

namespace {

constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
int g_notify_fd = -1;
pthread_t g_io_thread;
std::atomic<bool> g_crashing{false};

void OnCrash(int signal) {
  if (pthread_equal(pthread_self(), g_io_thread) || g_crashing.exchange(true)) {
    CrashReporter::Die(signal);
  }
  ssize_t ignored = ::write(g_notify_fd, &signal, sizeof signal);
  (void)ignored;
  // The io thread reports and ends the process; if it cannot, end it here.
  timespec wait{5, 0};
  while (::nanosleep(&wait, &wait) != 0) {
  }
  CrashReporter::Die(signal);
}

}  // namespace

void CrashReporter::Install(int notify_fd, pthread_t io_thread) {
  g_notify_fd = notify_fd;
  g_io_thread = io_thread;
  struct sigaction action {};
  action.sa_handler = OnCrash;
  sigemptyset(&action.sa_mask);
  for (int signal : kSignals) ::sigaction(signal, &action, nullptr);
}

void CrashReporter::Die(int signal) {
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  ::sigaction(signal, &action, nullptr);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, signal);
  ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  ::raise(signal);
  std::_Exit(128 + signal);
}

}  // namespace minimr::runtime
