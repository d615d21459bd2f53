#include "framework/src/wire/connection_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "minimr/atomic_file.h"

namespace minimr::wire {

namespace {

// Reads a file that holds a secret (`what`), refusing one that others could read or change.
std::string ReadPrivateFile(const std::string& path, const std::string& what,
                            const std::string& hint) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    throw std::runtime_error(path + ": cannot read the " + what + ": " + std::strerror(errno) +
                             hint);
  }
  if (st.st_uid != ::getuid()) {
    throw std::runtime_error(path + ": the " + what + " belongs to another user");
  }
  if ((st.st_mode & 077) != 0) {
    std::ostringstream mode;
    mode << std::oct << (st.st_mode & 0777);
    throw std::runtime_error(path + ": the " + what + " holds the cluster's secrets but others " +
                             "may read or write it (mode 0" + mode.str() + "); run: chmod 600 " +
                             path);
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

void WriteConnectionFile(const std::string& path, const ConnectionInfo& info) {
  nlohmann::json json = {{"host", info.host}, {"port", info.port}, {"key", KeyToHex(info.key)}};
  if (!info.tls_sha256.empty()) {
    json["tls"] = {{"certificate_sha256", info.tls_sha256}, {"file", info.tls_file}};
  }
  // Not synced to disk: it names a running master, and means nothing after a crash.
  WriteFileAtomically(path, json.dump(2) + "\n", 0600, /*durable=*/false);
}

ConnectionInfo ReadConnectionFile(const std::string& path) {
  std::string text = ReadPrivateFile(path, "connection file", " (is the cluster started?)");
  try {
    auto json = nlohmann::json::parse(text);
    ConnectionInfo info;
    info.host = json.at("host").get<std::string>();
    info.port = json.at("port").get<uint16_t>();
    info.key = KeyFromHex(json.at("key").get<std::string>());
    if (json.contains("tls")) {
      info.tls_sha256 = json["tls"].at("certificate_sha256").get<std::string>();
      if (info.tls_sha256.size() != 64 ||
          info.tls_sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
        throw std::invalid_argument("tls.certificate_sha256 must be 64 hexadecimal digits");
      }
      std::filesystem::path file = json["tls"].at("file").get<std::string>();
      if (file.is_relative()) file = std::filesystem::absolute(path).parent_path() / file;
      info.tls_file = file.string();
    }
    return info;
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": malformed connection file: " + e.what());
  }
}

std::string DefaultConnectionFilePath() {
  const char* home = std::getenv("MINIMR_HOME");
  if (home && *home) return std::string(home) + "/connection.json";
  const char* user_home = std::getenv("HOME");
  return std::string(user_home && *user_home ? user_home : ".") + "/.minimr/connection.json";
}

std::string TlsFileFor(const std::string& connection_file) {
  std::filesystem::path path(connection_file);
  return (path.parent_path() / (path.stem().string() + "-tls.pem")).string();
}

void WriteTlsFile(const std::string& path, const TlsIdentity& identity) {
  WriteFileAtomically(path, identity.certificate_pem + identity.private_key_pem, 0600,
                      /*durable=*/false);
}

TlsIdentity ReadTlsFile(const std::string& path) {
  std::string text = ReadPrivateFile(path, "TLS certificate file", "");
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  size_t end = text.find(kEnd);
  if (end == std::string::npos || text.find("PRIVATE KEY-----", end) == std::string::npos) {
    throw std::runtime_error(path + ": not a certificate followed by its private key (PEM)");
  }
  end = text.find('\n', end);
  end = end == std::string::npos ? text.size() : end + 1;
  return {text.substr(0, end), text.substr(end)};
}

Security ClientSecurity(const ConnectionInfo& info) {
  Security security(info.key);
  if (!info.tls_sha256.empty()) security.tls_client = MakeTlsClientContext(info.tls_sha256);
  return security;
}

Security MemberSecurity(const ConnectionInfo& info) {
  Security security = ClientSecurity(info);
  if (info.tls_sha256.empty()) return security;
  TlsIdentity identity = ReadTlsFile(info.tls_file);
  try {
    if (CertificateSha256(identity.certificate_pem) != info.tls_sha256) {
      throw std::runtime_error("it does not hold the certificate the connection file pins");
    }
    security.tls_server = MakeTlsServerContext(identity);
  } catch (const std::exception& e) {
    throw std::runtime_error(info.tls_file + ": " + e.what());
  }
  return security;
}

}  // namespace minimr::wire
