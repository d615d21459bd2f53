// A plugin with a static object whose constructor throws while the library is loaded.
#include <stdexcept>

#include "minimr/job.h"
#include "minimr/sum_reducer.h"

namespace {

struct Explodes {
  Explodes() { throw std::runtime_error("a static constructor of the plugin threw"); }
};
Explodes explodes;

class NoMapper : public minimr::Mapper {
 public:
  void Map(std::string_view, std::string_view, minimr::Emitter&) override {}
};

}  // namespace

MINIMR_REGISTER_JOB(explodes, minimr::MakeJob<NoMapper, minimr::SumReducer>());
