// What a fuzz target does when an input breaks a promise of the code under test: it says which
// promise, where, and aborts. libFuzzer reports the abort as a crash and keeps the input; the
// corpus runner (corpus_main.cc) fails its test.
#pragma once

#include <cstdio>
#include <cstdlib>

#define MINIMR_FUZZ_CHECK(condition, promise)                                    \
  do {                                                                           \
    if (!(condition)) {                                                          \
      std::fprintf(stderr, "%s:%d: finding: %s\n", __FILE__, __LINE__, promise); \
      std::abort();                                                              \
    }                                                                            \
  } while (false)
