// What reading files already in the page cache costs: milliseconds per file to read each of the
// FILEs in 128 KiB reads (as a map task does), the files in turn, 15 rounds, median.
//   page_cache_read FILE...
// How a file came into the page cache changes the figure several times over on this project's
// machine (docs/benchmarks.md, "What the page cache holds"): compare a file read back with
// `cat` and one read back with a single large read.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: page_cache_read FILE...\n");
    return 2;
  }
  static char buffer[128 << 10];
  std::vector<double> milliseconds;
  unsigned long long bytes = 0;
  for (int round = 0; round < 15; ++round) {
    for (int i = 1; i < argc; ++i) {
      const auto start = std::chrono::steady_clock::now();
      const int fd = ::open(argv[i], O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        std::perror(argv[i]);
        return 1;
      }
      ssize_t n;
      while ((n = ::read(fd, buffer, sizeof buffer)) > 0) bytes += static_cast<size_t>(n);
      if (n < 0) {
        std::perror(argv[i]);
        return 1;
      }
      ::close(fd);
      milliseconds.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
    }
  }
  std::sort(milliseconds.begin(), milliseconds.end());
  std::printf("%.3f ms per file (median of %zu reads; fastest %.3f), %.0f MB/s\n",
              milliseconds[milliseconds.size() / 2], milliseconds.size(), milliseconds.front(),
              static_cast<double>(bytes) / milliseconds.size() /
                  (milliseconds[milliseconds.size() / 2] / 1e3) / 1e6);
  return 0;
}
