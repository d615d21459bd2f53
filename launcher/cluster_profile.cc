#include "launcher/cluster_profile.h"

#include <unistd.h>

#include <filesystem>
#include <set>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

#include "framework/src/config/duration.h"
#include "framework/src/util/closest_name.h"
#include "framework/src/util/process.h"
#include "minimr/number_parse.h"

namespace minimr::launcher {

namespace fs = std::filesystem;

namespace {

const std::set<std::string> kKeys = {
    "launcher", "workers", "shared_dir", "queue", "parallel_environment", "runtime_limit",
    "soft_runtime_limit", "memory", "project", "qsub_options", "max_resubmits",
    "pending_timeout", "register_timeout", "master"};

std::string HomeDir() {
  const char* home = std::getenv("HOME");
  return home && *home ? home : "/tmp";
}

std::string ExpandHome(const std::string& path) {
  if (path == "~" || path.rfind("~/", 0) == 0) return HomeDir() + path.substr(1);
  return path;
}

std::string FindProfile(const std::string& name_or_path) {
  if (name_or_path.find('/') != std::string::npos || name_or_path.ends_with(".yaml")) {
    return name_or_path;
  }
  std::string file = "configs/clusters/" + name_or_path + ".yaml";
  if (fs::exists(file)) return file;
  // A binary run from the build tree it was built in finds its source tree's profiles; no other
  // directory is taken for being near the binary (whoever can write there would choose the
  // cluster's launcher and qsub options).
  try {
    const fs::path self = fs::canonical(SelfExecutable());
    const fs::path build = fs::canonical(MINIMR_BUILD_DIR);
    if (self.string().rfind(build.string() + "/", 0) == 0) {
      const fs::path source = fs::path(MINIMR_SOURCE_DIR) / file;
      if (fs::exists(source)) return source.string();
    }
  } catch (const std::exception&) {
  }
  throw std::runtime_error("cluster profile '" + name_or_path + "': no " + file +
                           " here; name a profile file with its path");
}

ClusterProfile Defaults(const std::string& launcher) {
  ClusterProfile profile;
  profile.launcher = launcher;
  profile.name = launcher;
  profile.shared_dir = HomeDir() + "/.minimr/clusters/" + launcher;
  return profile;
}

}  // namespace

ClusterProfile LoadClusterProfile(const std::string& name_or_path) {
  std::string path = FindProfile(name_or_path);
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw std::runtime_error(path + ": cannot read the cluster profile");
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                             std::to_string(e.mark.column + 1) + ": malformed YAML: " + e.msg);
  }
  if (!root.IsMap()) throw std::runtime_error(path + ": expected a mapping of profile keys");
  auto where = [&](const YAML::Node& node, const std::string& key) {
    return path + ":" + std::to_string(node.Mark().line + 1) + ":" +
           std::to_string(node.Mark().column + 1) + ": " + key + ": ";
  };
  auto scalar = [&](const YAML::Node& node, const std::string& key) {
    if (!node.IsScalar()) throw std::runtime_error(where(node, key) + "expected a single value");
    return node.Scalar();
  };
  ClusterProfile profile = Defaults("local");
  profile.source = path;
  profile.name = fs::path(path).stem().string();
  for (auto it = root.begin(); it != root.end(); ++it) {
    YAML::Node key_node = it->first;
    YAML::Node value = it->second;
    std::string key = key_node.IsScalar() ? key_node.Scalar() : "?";
    if (!kKeys.count(key)) {
      std::string known;
      for (const auto& k : kKeys) known += (known.empty() ? "" : ", ") + k;
      throw std::runtime_error(
          where(key_node, key) + "unknown key" +
          DidYouMean(key, std::vector<std::string>(kKeys.begin(), kKeys.end())) +
          " (known: " + known + ")");
    }
    if (key == "launcher") {
      profile.launcher = scalar(value, key);
      if (profile.launcher != "local" && profile.launcher != "sge") {
        throw std::runtime_error(where(value, key) + "expected 'local' or 'sge', got '" +
                                 profile.launcher + "'");
      }
    } else if (key == "workers" || key == "max_resubmits") {
      std::string text = scalar(value, key);
      const int low = key == "workers" ? 1 : 0;
      const std::optional<int64_t> number = ParseInteger(text, low, 10000);
      if (!number) {
        throw std::runtime_error(where(value, key) + "expected " +
                                 DescribeIntegerRange(low, 10000) + ", got '" + text + "'");
      }
      (key == "workers" ? profile.workers : profile.max_resubmits) = static_cast<int>(*number);
    } else if (key == "pending_timeout" || key == "register_timeout") {
      std::string text = scalar(value, key);
      auto duration = config::ParseDuration(text);
      if (!duration || duration->count() == 0) {
        throw std::runtime_error(where(value, key) +
                                 "expected a duration such as 30s, 5m or 1h, got '" + text + "'");
      }
      (key == "pending_timeout" ? profile.pending_timeout : profile.register_timeout) = *duration;
    } else if (key == "qsub_options") {
      if (value.IsNull()) continue;
      if (!value.IsSequence()) throw std::runtime_error(where(value, key) + "expected a list");
      for (size_t i = 0; i < value.size(); ++i) {
        profile.qsub_options.push_back(scalar(value[i], key));
      }
    } else {
      std::string text = value.IsNull() ? "" : scalar(value, key);
      if (key == "shared_dir") {
        if (text.empty()) throw std::runtime_error(where(value, key) + "expected a directory");
        profile.shared_dir = ExpandHome(text);
      }
      if (key == "queue") profile.queue = text;
      if (key == "master") {
        if (text != "submit-host" && text != "job") {
          throw std::runtime_error(where(value, key) + "expected 'submit-host' or 'job', got '" +
                                   text + "'");
        }
        profile.master = text;
      }
      if (key == "parallel_environment") profile.parallel_environment = text;
      if (key == "runtime_limit") profile.runtime_limit = text;
      if (key == "soft_runtime_limit") profile.soft_runtime_limit = text;
      if (key == "memory") profile.memory = text;
      if (key == "project") profile.project = text;
    }
  }
  if (profile.master == "job" && profile.parallel_environment.empty()) {
    throw std::runtime_error(path + ": master: job needs a parallel_environment to run in");
  }
  if (!fs::path(profile.shared_dir).is_absolute()) {
    profile.shared_dir = fs::absolute(profile.shared_dir).string();
  }
  return profile;
}

ClusterProfile DefaultClusterProfile(const std::string& launcher) {
  try {
    return LoadClusterProfile(launcher);
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).find("no configs/clusters/") == std::string::npos) throw;
  }
  return Defaults(launcher);
}

}  // namespace minimr::launcher
