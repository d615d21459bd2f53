// A plugin whose job definition throws when the job is defined.
#include <stdexcept>

#include "minimr/job.h"
#include "minimr/sum_reducer.h"

namespace {

minimr::JobDefinition Define() { throw std::runtime_error("this job cannot be defined today"); }

}  // namespace

MINIMR_REGISTER_JOB(broken, Define());
