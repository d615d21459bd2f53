// Turns a crash in a task's code (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) into a last word to
// the master before the worker dies of it, so that the job's error names the signal and the task
// instead of "lost worker". The crashing thread parks in the signal handler and wakes the io
// thread through a pipe (write(2) is async-signal-safe); the io thread sends the report and ends
// the process with the same signal. If that does not happen within a few seconds, the handler
// ends it itself.
#pragma once

#include <pthread.h>

namespace minimr::runtime {

class CrashReporter {
 public:
  // Installs the handlers. The signal number of a crash is written to `notify_fd` (the write end
  // of a pipe the io thread reads). Crashes on `io_thread` itself end the process at once.
  static void Install(int notify_fd, pthread_t io_thread);
  // Ends the process with `signal`, its default action restored. Never returns.
  [[noreturn]] static void Die(int signal);
};

}  // namespace minimr::runtime
