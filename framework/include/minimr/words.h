// Words as the built-in text jobs define them: runs of ASCII letters, digits and apostrophes,
// lower-cased. Header-only, for any job that wants the same words.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace minimr {

// Calls word_fn(const std::string&) for each word of `text`, in order. `word` is the caller's
// buffer, reused so that splitting allocates nothing once it has grown.
template <class WordFn>
void ForEachWord(std::string_view text, std::string& word, WordFn&& word_fn) {
  word.clear();
  for (size_t i = 0; i <= text.size(); ++i) {
    unsigned char c = i < text.size() ? static_cast<unsigned char>(text[i]) : ' ';
    if (std::isalnum(c) || c == '\'') {
      word.push_back(static_cast<char>(std::tolower(c)));
    } else if (!word.empty()) {
      word_fn(static_cast<const std::string&>(word));
      word.clear();
    }
  }
}

}  // namespace minimr
