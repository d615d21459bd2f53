// A plugin that calls a function nothing defines: dlopen with RTLD_NOW refuses it.
#include "minimr/job.h"
#include "minimr/sum_reducer.h"

void FunctionThatIsDefinedNowhere(int);

namespace {

class CallsMissing : public minimr::Mapper {
 public:
  void Map(std::string_view, std::string_view line, minimr::Emitter&) override {
    FunctionThatIsDefinedNowhere(static_cast<int>(line.size()));
  }
};

}  // namespace

MINIMR_REGISTER_JOB(unresolved, minimr::MakeJob<CallsMissing, minimr::SumReducer>());
