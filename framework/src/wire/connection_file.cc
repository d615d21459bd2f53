#include "framework/src/wire/connection_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace minimr::wire {

void WriteConnectionFile(const std::string& path, const ConnectionInfo& info) {
  nlohmann::json json = {{"host", info.host}, {"port", info.port}, {"key", KeyToHex(info.key)}};
  std::string text = json.dump(2) + "\n";
  std::string tmp = path + ".tmp" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error(path + ": cannot write: " + std::strerror(errno));
  ::fchmod(fd, 0600);  // in case the file already existed with another mode
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error(path + ": cannot write: " + std::strerror(err));
  }
}

ConnectionInfo ReadConnectionFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    throw std::runtime_error(path + ": cannot read the connection file: " + std::strerror(errno) +
                             " (is the cluster started?)");
  }
  if (st.st_uid != ::getuid()) {
    throw std::runtime_error(path + ": the connection file belongs to another user");
  }
  if ((st.st_mode & 077) != 0) {
    std::ostringstream mode;
    mode << std::oct << (st.st_mode & 0777);
    throw std::runtime_error(path + ": the connection file holds the cluster's key but others " +
                             "may read or write it (mode 0" + mode.str() + "); run: chmod 600 " +
                             path);
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  try {
    auto json = nlohmann::json::parse(text.str());
    ConnectionInfo info;
    info.host = json.at("host").get<std::string>();
    info.port = json.at("port").get<uint16_t>();
    info.key = KeyFromHex(json.at("key").get<std::string>());
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

}  // namespace minimr::wire
