// The bar for word count: one thread, a hash map, the files read in large pieces, words split as
// minimr's wordcount splits them (letters, digits and apostrophes, lower-cased). Writes
// "word<TAB>count" lines, in no order, to OUT.
//   wordcount_loop OUT FILE...
#include <cctype>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: wordcount_loop OUT FILE...\n");
    return 2;
  }
  std::unordered_map<std::string, uint64_t> counts;
  std::vector<char> buffer(1 << 20);
  std::string word;
  for (int i = 2; i < argc; ++i) {
    std::FILE* in = std::fopen(argv[i], "rb");
    if (!in) {
      std::perror(argv[i]);
      return 1;
    }
    for (size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), in)) > 0;) {
      for (size_t k = 0; k < n; ++k) {
        const unsigned char c = static_cast<unsigned char>(buffer[k]);
        if (std::isalnum(c) || c == '\'') {
          word.push_back(static_cast<char>(std::tolower(c)));
        } else if (!word.empty()) {
          ++counts[word];
          word.clear();
        }
      }
    }
    if (!word.empty()) ++counts[word];  // a file's last word, without a newline after it
    word.clear();
    std::fclose(in);
  }
  std::FILE* out = std::fopen(argv[1], "w");
  if (!out) {
    std::perror(argv[1]);
    return 1;
  }
  for (const auto& [w, count] : counts) std::fprintf(out, "%s\t%llu\n", w.c_str(), (unsigned long long)count);
  return std::fclose(out) == 0 ? 0 : 1;
}
