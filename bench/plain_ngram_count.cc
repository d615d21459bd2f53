// The bar for the pi job at large n: a hand-written one-thread program that counts the n-digit
// sequences of text files (the files in order are one digit stream) by incrementing a table of
// 10^n counters, byte by byte, with large reads; then counts the distinct sequences.
//   plain_ngram_count N FILE...
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  const int n = argc >= 3 ? std::atoi(argv[1]) : 0;
  if (n < 1 || n > 9) {
    std::fprintf(stderr, "usage: plain_ngram_count N FILE...   (N from 1 to 9)\n");
    return 2;
  }
  uint32_t size = 1;
  for (int i = 0; i < n; ++i) size *= 10;
  const auto start = std::chrono::steady_clock::now();
  std::vector<uint32_t> table(size, 0);
  std::vector<char> buf(1 << 20);
  uint64_t digits = 0;
  uint32_t window = 0;
  for (int f = 2; f < argc; ++f) {
    const int fd = ::open(argv[f], O_RDONLY);
    if (fd < 0) {
      std::perror(argv[f]);
      return 1;
    }
    for (ssize_t got; (got = ::read(fd, buf.data(), buf.size())) > 0;) {
      for (ssize_t i = 0; i < got; ++i) {
        const unsigned d = static_cast<unsigned char>(buf[i]) - '0';
        if (d > 9) continue;
        window = (window * 10 + d) % size;
        if (++digits >= static_cast<uint64_t>(n)) ++table[window];
      }
    }
    ::close(fd);
  }
  uint64_t distinct = 0, windows = 0;
  unsigned __int128 squares = 0;  // for the chi-square of uniformity: a checksum of the counts
  for (uint32_t c : table) {
    distinct += c != 0;
    windows += c;
    squares += static_cast<uint64_t>(c) * c;
  }
  const double chi_square = static_cast<double>(static_cast<long double>(squares) * size /
                                                    static_cast<long double>(windows) -
                                                static_cast<long double>(windows));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("plain n-digit loop: n = %d, %llu digits, %llu windows, %llu distinct, "
              "chi-square %.2f, in %.3f s: %.1f M digits/s\n",
              n, static_cast<unsigned long long>(digits), static_cast<unsigned long long>(windows),
              static_cast<unsigned long long>(distinct), chi_square, seconds,
              digits / seconds / 1e6);
  return 0;
}
