// What a page fault costs on this machine: microseconds per 4 KB page of anonymous memory touched
// for the first time, plain, populated by mmap (MAP_POPULATE), and advised to use 2 MB pages
// (MADV_HUGEPAGE); and a write to a page after a fork (copy-on-write, in the child; in the parent
// once the child has gone, its pages still write-protected). Usage: page_fault_cost [MB] (default
// 256; the fork's child copies them all, so it needs twice that).
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <utility>

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

// Microseconds per 4 KB page for a write to each page of `bytes` already written, after a fork:
// {in the child, in the parent after the child has exited}.
std::pair<double, double> AfterForkMicrosecondsPerPage(size_t bytes) {
  constexpr size_t kPage = 4096;
  char* p = static_cast<char*>(
      mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (p == MAP_FAILED) {
    std::perror("mmap");
    std::exit(1);
  }
  for (size_t i = 0; i < bytes; i += kPage) p[i] = 1;
  auto write_all = [&](char value) {
    const auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < bytes; i += kPage) p[i] = value;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() * 1e6 /
           static_cast<double>(bytes / kPage);
  };
  int report[2];
  if (pipe(report) != 0) std::exit(1);
  const pid_t child = fork();
  if (child == 0) {
    close(report[0]);
    const double us = write_all(2);
    if (write(report[1], &us, sizeof us) != sizeof us) _exit(1);
    _exit(0);
  }
  close(report[1]);  // a child that dies before it writes ends the read
  double in_child = -1;
  if (child < 0 || read(report[0], &in_child, sizeof in_child) != sizeof in_child) {
    std::fprintf(stderr, "page_fault_cost: the forked child did not report (out of memory?)\n");
    std::exit(1);
  }
  close(report[0]);
  waitpid(child, nullptr, 0);
  const double in_parent = write_all(3);
  munmap(p, bytes);
  return {in_child, in_parent};
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
  const auto [in_child, in_parent] = AfterForkMicrosecondsPerPage(bytes);
  std::printf("a write to a page written before a fork, us per 4 KB page (%zu MB):\n", bytes >> 20);
  std::printf("  in the child (copy-on-write)               %.3f\n", in_child);
  std::printf("  in the parent, once the child has exited   %.3f\n", in_parent);
  return 0;
}
