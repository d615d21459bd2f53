// The whole of a file, for tests: its bytes, or "" if it cannot be read.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace minimr::testing {

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  // Copied through the stream, not a streambuf iterator: a read error (a /proc file whose process
  // was reaped after it was opened fails with ESRCH) then ends the copy instead of throwing.
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace minimr::testing
