// The bar minimr's pi job must beat: a hand-written program that counts digit pairs in text
// files with a plain byte-at-a-time loop, one thread per group of files, reading with large
// reads. Pairs across file boundaries are ignored (they change nothing measurable).
//   plain_pair_count THREADS FILE...
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace {

using Counts = std::array<uint64_t, 100>;

uint64_t CountFile(const char* path, Counts* counts) {
  int fd = ::open(path, O_RDONLY);
  if (fd < 0) {
    std::perror(path);
    return 0;
  }
  std::vector<char> buf(1 << 20);
  int previous = -1;
  uint64_t digits = 0;
  for (ssize_t n; (n = ::read(fd, buf.data(), buf.size())) > 0;) {
    for (ssize_t i = 0; i < n; ++i) {
      unsigned d = static_cast<unsigned char>(buf[i]) - '0';
      if (d > 9) continue;
      ++digits;
      if (previous >= 0) ++(*counts)[previous * 10 + d];
      previous = static_cast<int>(d);
    }
  }
  ::close(fd);
  return digits;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: plain_pair_count THREADS FILE...\n");
    return 2;
  }
  int threads = std::stoi(argv[1]);
  std::vector<const char*> files(argv + 2, argv + argc);
  std::vector<Counts> counts(threads, Counts{});
  std::vector<uint64_t> digits(threads, 0);
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (size_t f = t; f < files.size(); f += threads) digits[t] += CountFile(files[f], &counts[t]);
    });
  }
  for (auto& thread : pool) thread.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  uint64_t total = 0, pairs = 0;
  for (int t = 0; t < threads; ++t) {
    total += digits[t];
    for (uint64_t c : counts[t]) pairs += c;
  }
  std::printf("plain loop: %d threads, %llu digits (%llu pairs) in %.3f s: %.0f M digits/s, "
              "%.0f M digits/s per thread\n",
              threads, static_cast<unsigned long long>(total),
              static_cast<unsigned long long>(pairs), seconds, total / seconds / 1e6,
              total / seconds / 1e6 / threads);
  return 0;
}
