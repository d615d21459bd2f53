// wordlengths: how many words of each length occur in text files. A word is a run of ASCII
// letters; params.min_length drops shorter ones. Written with minimr's typed API: the lengths
// are integer keys, so they reach the reducers, and the part files, in numeric order.
#include <cctype>
#include <cstdint>
#include <string_view>

#include "minimr/job.h"
#include "minimr/typed.h"

namespace {

class LengthMapper : public minimr::TypedMapper<std::string_view, int64_t, int64_t> {
 public:
  void Setup() override { min_length_ = context().params().GetInt("min_length", 1); }

  void Map(const std::string_view& line, Out& out) override {
    int64_t run = 0;
    for (char c : line) {
      if (std::isalpha(static_cast<unsigned char>(c))) {
        ++run;
        continue;
      }
      if (run >= min_length_) out.Emit(run, 1);
      run = 0;
    }
    if (run >= min_length_) out.Emit(run, 1);
  }

 private:
  int64_t min_length_ = 1;
};

// Sums the counts of a length on the map side, so each map task sends one pair per length.
class SumCombiner : public minimr::TypedCombiner<int64_t, int64_t> {
 public:
  void Reduce(const int64_t& length, Values& counts, Out& out) override {
    int64_t total = 0;
    for (int64_t count : counts) total += count;
    out.Emit(length, total);
  }
};

// Writes "length<TAB>count" lines.
class SumReducer : public minimr::TypedReducer<int64_t, int64_t> {
 public:
  void Reduce(const int64_t& length, Values& counts, Out& out) override {
    int64_t total = 0;
    for (int64_t count : counts) total += count;
    out.Emit(length, total);
  }
};

void Validate(const minimr::Params& params) {
  if (params.GetInt("min_length", 1) < 1) {
    throw minimr::ParamError("params.min_length: must be at least 1");
  }
}

minimr::JobDefinition Definition() {
  minimr::JobDefinition job = minimr::MakeJob<LengthMapper, SumReducer>();
  job.Combiner<SumCombiner>()
      .Describe("how many words of each length occur in text files")
      .Param("min_length", "1", "shorter words are not counted");
  job.validate = Validate;
  return job;
}

}  // namespace

MINIMR_REGISTER_JOB(wordlengths, Definition());
