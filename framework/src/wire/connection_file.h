// The connection file: where a cluster's master listens and the cluster's secret key, as JSON,
// readable by its owner only (like IPython-parallel's). Whoever can read it can join the cluster.
// A TLS cluster also has a file beside it with its certificate and private key (tls.h), which the
// connection file pins by SHA-256.
#pragma once

#include <cstdint>
#include <string>

#include "framework/src/wire/handshake.h"
#include "framework/src/wire/security.h"
#include "framework/src/wire/tls.h"

namespace minimr::wire {

struct ConnectionInfo {
  std::string host;
  uint16_t port = 0;
  Key key{};
  // A TLS cluster's: the SHA-256 of its certificate (64 hexadecimal digits), which every client
  // pins, and the file that holds the certificate and its private key, for master and workers.
  // The file is written as a name relative to the connection file's directory;
  // ReadConnectionFile gives its full path. Both empty: plain TCP.
  std::string tls_sha256;
  std::string tls_file;
};

// Writes `info` to `path` with mode 0600 (via a temporary file and a rename). Throws
// std::runtime_error naming the path.
void WriteConnectionFile(const std::string& path, const ConnectionInfo& info);
// Reads a connection file. Refuses, naming the path and what to do, a file that is not owned by
// this user or that others can read or write, and a malformed one.
ConnectionInfo ReadConnectionFile(const std::string& path);
// ~/.minimr/connection.json (or $MINIMR_HOME/connection.json).
std::string DefaultConnectionFilePath();

// The TLS file that goes with a connection file: connection.json -> connection-tls.pem.
std::string TlsFileFor(const std::string& connection_file);
// Writes a certificate and its private key (PEM) to `path`, mode 0600, as WriteConnectionFile.
void WriteTlsFile(const std::string& path, const TlsIdentity& identity);
// Reads them back, refusing a file as ReadConnectionFile does. Throws std::runtime_error.
TlsIdentity ReadTlsFile(const std::string& path);

// What a process needs to connect to the cluster: its key and, for a TLS cluster, the pin.
Security ClientSecurity(const ConnectionInfo& info);
// What a cluster member that also serves connections (a worker) needs: also the certificate
// and its key, read from the TLS file, which must hold the pinned certificate. Throws
// std::runtime_error naming the file.
Security MemberSecurity(const ConnectionInfo& info);

}  // namespace minimr::wire
