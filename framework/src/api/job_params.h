// Checking a job's parameters against what the job declares.
#pragma once

#include <map>
#include <string>

#include "minimr/job.h"

namespace minimr {

// Returns `given` with the job's defaults filled in, after the job's own validation. Throws
// ParamError naming the parameter for one the job does not declare (listing those it does), or
// one the job's validation refuses.
Params ResolveParams(const std::string& job_name, const JobDefinition& job,
                     const std::map<std::string, std::string>& given);

}  // namespace minimr
