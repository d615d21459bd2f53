// wordcount: how often each word occurs in text files. Words are runs of letters, digits and
// apostrophes, lower-cased. The smallest whole job: one mapper, the stock SumReducer.
#include <string>

#include "minimr/job.h"
#include "minimr/sum_reducer.h"
#include "minimr/words.h"

namespace {

class WordMapper : public minimr::Mapper {
 public:
  void Map(std::string_view, std::string_view line, minimr::Emitter& out) override {
    minimr::ForEachWord(line, word_, [&](const std::string& word) { out.Emit(word, "1"); });
  }

 private:
  std::string word_;
};

}  // namespace

MINIMR_REGISTER_JOB(wordcount, minimr::MakeJob<WordMapper, minimr::SumReducer>()
                                   .Combiner<minimr::SumReducer>()
                                   .Describe("how often each word occurs in text files"));
