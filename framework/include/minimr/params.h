// A job's parameters: the `params:` section of its YAML file, as scalar strings.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

namespace minimr {

// Thrown when a parameter is missing or has the wrong type; what() names the parameter.
class ParamError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Params {
 public:
  Params() = default;
  explicit Params(std::map<std::string, std::string> values) : values_(std::move(values)) {}

  bool Has(const std::string& name) const { return values_.count(name) != 0; }
  // Each getter returns `fallback` when the parameter is absent and throws ParamError when it is
  // present but not of the type asked for.
  std::string GetString(const std::string& name, const std::string& fallback) const;
  int64_t GetInt(const std::string& name, int64_t fallback) const;
  bool GetBool(const std::string& name, bool fallback) const;

  const std::map<std::string, std::string>& values() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace minimr
