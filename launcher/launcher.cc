#include "launcher/launcher.h"

#include <stdexcept>

#include "launcher/cluster_profile.h"
#include "launcher/local_launcher.h"
#include "launcher/sge_launcher.h"

namespace minimr::launcher {

std::unique_ptr<Launcher> MakeLauncher(const ClusterProfile& profile) {
  if (profile.launcher == "local") return std::make_unique<LocalLauncher>();
  if (profile.launcher == "sge") return std::make_unique<SgeLauncher>(profile);
  throw std::runtime_error("unknown launcher '" + profile.launcher + "' (known: local, sge)");
}

}  // namespace minimr::launcher
