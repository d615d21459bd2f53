#include "launcher/launcher.h"

#include <stdexcept>

#include "launcher/local_launcher.h"

namespace minimr::launcher {

std::unique_ptr<Launcher> MakeLauncher(const std::string& name) {
  if (name == "local") return std::make_unique<LocalLauncher>();
  throw std::runtime_error("cluster.launcher: unknown launcher '" + name + "' (known: local)");
}

}  // namespace minimr::launcher
