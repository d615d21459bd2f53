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
  // As GetInt, and throws ParamError ("params.n: expected a whole number from 1 to 8, got '9'")
  // unless the value lies in [low, high]. The fallback is not checked.
  int64_t GetInt(const std::string& name, int64_t fallback, int64_t low, int64_t high) const;
  bool GetBool(const std::string& name, bool fallback) const;

  const std::map<std::string, std::string>& values() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace minimr
