// The connection file: where a cluster's master listens and the cluster's secret key, as JSON,
// readable by its owner only (like IPython-parallel's). Whoever can read it can join the cluster.
#pragma once

#include <cstdint>
#include <string>

#include "framework/src/wire/handshake.h"

namespace minimr::wire {

struct ConnectionInfo {
  std::string host;
  uint16_t port = 0;
  Key key{};
};

// Writes `info` to `path` with mode 0600 (via a temporary file and a rename). Throws
// std::runtime_error naming the path.
void WriteConnectionFile(const std::string& path, const ConnectionInfo& info);
// Reads a connection file. Refuses, naming the path and what to do, a file that is not owned by
// this user or that others can read or write, and a malformed one.
ConnectionInfo ReadConnectionFile(const std::string& path);
// ~/.minimr/connection.json (or $MINIMR_HOME/connection.json).
std::string DefaultConnectionFilePath();

}  // namespace minimr::wire
