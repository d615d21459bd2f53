#include "framework/src/api/job_params.h"

#include <stdexcept>
#include <vector>

#include "framework/src/util/closest_name.h"

namespace minimr {

Params ResolveParams(const std::string& job_name, const JobDefinition& job,
                     const std::map<std::string, std::string>& given) {
  std::map<std::string, std::string> values;
  for (const ParamSpec& spec : job.params) values[spec.name] = spec.default_value;
  for (const auto& [name, value] : given) {
    if (!values.count(name)) {
      std::string known;
      std::vector<std::string> names;
      for (const ParamSpec& spec : job.params) {
        known += (known.empty() ? "" : ", ") + spec.name;
        names.push_back(spec.name);
      }
      throw ParamError("params." + name + ": job '" + job_name + "' has no such parameter" +
                       DidYouMean(name, names) +
                       (known.empty() ? " (it takes none)" : " (it takes: " + known + ")"));
    }
    values[name] = value;
  }
  Params params(std::move(values));
  if (job.validate) job.validate(params);
  return params;
}

}  // namespace minimr
