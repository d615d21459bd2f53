// Writes a deterministic text corpus for word-count benchmarks: FILES files of about BYTES bytes
// in all, lines of 1 to 16 lower-case words, half of them drawn from the 1,000 most common of a
// vocabulary of VOCABULARY words and half from all of it, so that most words are rare.
//   word_corpus DIR BYTES FILES VOCABULARY SEED
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: word_corpus DIR BYTES FILES VOCABULARY SEED\n");
    return 2;
  }
  const std::string dir = argv[1];
  const unsigned long long bytes = std::strtoull(argv[2], nullptr, 10);
  const int files = std::atoi(argv[3]);
  const unsigned vocabulary_size = static_cast<unsigned>(std::strtoul(argv[4], nullptr, 10));
  std::mt19937_64 random(std::strtoull(argv[5], nullptr, 10));
  if (files < 1 || vocabulary_size < 1000 || bytes == 0) {
    std::fprintf(stderr, "word_corpus: FILES >= 1, VOCABULARY >= 1000, BYTES > 0\n");
    return 2;
  }
  std::vector<std::string> vocabulary(vocabulary_size);
  for (std::string& word : vocabulary) {
    for (int n = 3 + static_cast<int>(random() % 8); n > 0; --n) word.push_back('a' + random() % 26);
  }
  std::string line;
  for (int f = 0; f < files; ++f) {
    const std::string path = dir + "/part" + std::to_string(f) + ".txt";
    std::FILE* out = std::fopen(path.c_str(), "w");
    if (!out) {
      std::perror(path.c_str());
      return 1;
    }
    for (unsigned long long written = 0; written < bytes / files;) {
      line.clear();
      for (int w = 1 + static_cast<int>(random() % 16); w > 0; --w) {
        const uint64_t r = random();
        line += vocabulary[(r & 1) ? (r >> 1) % 1000 : (r >> 1) % vocabulary_size];
        line += w > 1 ? ' ' : '\n';
      }
      std::fwrite(line.data(), 1, line.size(), out);
      written += line.size();
    }
    if (std::fclose(out) != 0) {
      std::perror(path.c_str());
      return 1;
    }
  }
  return 0;
}
