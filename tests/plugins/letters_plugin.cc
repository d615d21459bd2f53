// A good plugin: how often each letter occurs, with a parameter. Built like a user's plugin:
// minimr's public headers only.
#include <cctype>
#include <stdexcept>

#include "minimr/job.h"
#include "minimr/sum_reducer.h"

namespace {

class LetterMapper : public minimr::Mapper {
 public:
  void Setup(minimr::TaskContext& context) override {
    fold_ = context.params().GetBool("fold_case", true);
    context_ = &context;
  }
  void Map(std::string_view, std::string_view line, minimr::Emitter& out) override {
    if (line == "throw here") throw std::runtime_error("the letters job met a line it hates");
    for (char c : line) {
      if (!std::isalpha(static_cast<unsigned char>(c))) continue;
      char letter = fold_ ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
      out.Emit(std::string_view(&letter, 1), "1");
    }
    context_->counters().Add("letters.lines", 1);
  }

 private:
  bool fold_ = true;
  minimr::TaskContext* context_ = nullptr;
};

}  // namespace

MINIMR_REGISTER_JOB(letters, minimr::MakeJob<LetterMapper, minimr::SumReducer>()
                                 .Combiner<minimr::SumReducer>()
                                 .Param("fold_case", "true", "count A and a as one letter")
                                 .Describe("how often each letter occurs"));
