#include "framework/src/util/private_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace minimr {

namespace {

std::string Octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "0%03o", static_cast<unsigned>(mode & 07777));
  return text;
}

}  // namespace

void CheckSafeParentDirectory(const std::string& dir, const std::string& what) {
  struct stat info;
  if (::stat(dir.c_str(), &info) != 0) {
    throw std::runtime_error(what + " " + dir + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(info.st_mode)) throw std::runtime_error(what + " " + dir + " is not a directory");
  if (info.st_uid != ::getuid() && info.st_uid != 0) {
    throw std::runtime_error(what + " " + dir + " belongs to another user (uid " +
                             std::to_string(info.st_uid) +
                             "), who could replace what minimr keeps there; give one of your own");
  }
  if ((info.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (info.st_mode & S_ISVTX) == 0) {
    throw std::runtime_error(what + " " + dir + " may be written by other users (mode " +
                             Octal(info.st_mode) +
                             ", not sticky as /tmp is), who could replace what minimr keeps "
                             "there; give one of your own, or chmod go-w " +
                             dir);
  }
}

void MakePrivateDirectory(const std::string& dir) {
  const std::filesystem::path path(dir);
  // Missing parents first, each 0700 (mkdir's mode, less the umask, which never adds rights).
  std::filesystem::path partial;
  for (const auto& part : path) {
    partial /= part;
    if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
      throw std::runtime_error("cannot create " + partial.string() + ": " + std::strerror(errno));
    }
  }
  struct stat info;
  if (::stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    throw std::runtime_error(dir + " is not a directory");
  }
  if (info.st_uid != ::getuid()) {
    throw std::runtime_error(dir + " belongs to another user (uid " + std::to_string(info.st_uid) +
                             "); minimr keeps its private files only in a directory of yours");
  }
  if ((info.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0) {
    throw std::runtime_error("cannot make " + dir +
                             " private (chmod 700): " + std::strerror(errno));
  }
}

}  // namespace minimr
