// A fresh private directory for a test, made by mkdtemp and removed with the object. Never one
// named by the pid: a killed run leaves such directories behind, and a later test that gets the
// same pid would find its files (a shuffle test once counted a killed run's spills).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace minimr::testing {

class TempDir {
 public:
  // /tmp/minimr-NAME-XXXXXX. Throws std::runtime_error if it cannot be made.
  explicit TempDir(const std::string& name) {
    std::string pattern = "/tmp/minimr-" + name + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace minimr::testing
