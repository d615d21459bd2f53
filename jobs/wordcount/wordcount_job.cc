// wordcount: how often each word occurs in text files. Words are runs of letters, digits and
// apostrophes, lower-cased. The smallest whole job: one mapper, the stock SumReducer.
#include <cctype>
#include <string>

#include "minimr/job.h"
#include "minimr/sum_reducer.h"

namespace {

class WordMapper : public minimr::Mapper {
 public:
  void Map(std::string_view, std::string_view line, minimr::Emitter& out) override {
    std::string word;
    for (size_t i = 0; i <= line.size(); ++i) {
      unsigned char c = i < line.size() ? static_cast<unsigned char>(line[i]) : ' ';
      if (std::isalnum(c) || c == '\'') {
        word.push_back(static_cast<char>(std::tolower(c)));
      } else if (!word.empty()) {
        out.Emit(word, "1");
        word.clear();
      }
    }
  }
};

}  // namespace

MINIMR_REGISTER_JOB(wordcount, minimr::MakeJob<WordMapper, minimr::SumReducer>()
                                   .Combiner<minimr::SumReducer>()
                                   .Describe("how often each word occurs in text files"));
