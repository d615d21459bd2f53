// What a page fault costs on this machine: microseconds per 4 KB page of anonymous memory touched
// for the first time, plain, populated by mmap (MAP_POPULATE), and advised to use 2 MB pages
// (MADV_HUGEPAGE). Usage: page_fault_cost [MB] (default 256).
#include <sys/mman.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace {

enum class Way { kTouch, kPopulate, kHugePages };

// Microseconds per 4 KB page to map `bytes` and write one byte to each page, 4 MB at a time.
double MicrosecondsPerPage(size_t bytes, Way way) {
  constexpr size_t kChunk = size_t{4} << 20, kPage = 4096;
  double seconds = 0;
  for (size_t done = 0; done < bytes; done += kChunk) {
    const auto start = std::chrono::steady_clock::now();
    const int flags = MAP_PRIVATE | MAP_ANONYMOUS | (way == Way::kPopulate ? MAP_POPULATE : 0);
    char* p = static_cast<char*>(mmap(nullptr, kChunk, PROT_READ | PROT_WRITE, flags, -1, 0));
    if (p == MAP_FAILED) {
      std::perror("mmap");
      std::exit(1);
    }
    if (way == Way::kHugePages) madvise(p, kChunk, MADV_HUGEPAGE);
    for (size_t i = 0; i < kChunk; i += kPage) p[i] = 1;
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    munmap(p, kChunk);
  }
  return seconds * 1e6 / static_cast<double>(bytes / 4096);
}

}  // namespace

int main(int argc, char** argv) {
  const size_t megabytes = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 256;
  const size_t bytes = (megabytes > 0 ? megabytes : 256) << 20;
  std::printf("first touch of anonymous memory, us per 4 KB page (%zu MB, 4 MB at a time):\n",
              bytes >> 20);
  std::printf("  touched        %.3f\n", MicrosecondsPerPage(bytes, Way::kTouch));
  std::printf("  MAP_POPULATE   %.3f\n", MicrosecondsPerPage(bytes, Way::kPopulate));
  std::printf("  MADV_HUGEPAGE  %.3f\n", MicrosecondsPerPage(bytes, Way::kHugePages));
  return 0;
}
