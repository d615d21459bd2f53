#include "minimr/params.h"

#include <limits>

#include "minimr/number_parse.h"

namespace minimr {

std::string Params::GetString(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

int64_t Params::GetInt(const std::string& name, int64_t fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  const std::optional<int64_t> value = ParseInteger(it->second, std::numeric_limits<int64_t>::min(),
                                                    std::numeric_limits<int64_t>::max());
  if (!value) {
    throw ParamError("params." + name + ": expected a whole number, got '" + it->second + "'");
  }
  return *value;
}

int64_t Params::GetInt(const std::string& name, int64_t fallback, int64_t low, int64_t high) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  const std::optional<int64_t> value = ParseInteger(it->second, low, high);
  if (!value) {
    throw ParamError("params." + name + ": expected " + DescribeIntegerRange(low, high) +
                     ", got '" + it->second + "'");
  }
  return *value;
}

bool Params::GetBool(const std::string& name, bool fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  const std::string& text = it->second;
  // The YAML 1.2 core schema's spellings of true and false.
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  throw ParamError("params." + name + ": expected true or false, got '" + text + "'");
}

}  // namespace minimr
