// Local workers that die are named with what they said last, and so is one whose replacement
// cannot be started (where before only the replacement's failure was told). The workers are a
// script that says why it cannot start and exits 1.
#include "launcher/local_launcher.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace minimr::launcher {
namespace {

namespace fs = std::filesystem;

TEST(LocalLauncher, AWorkerThatDiedIsNamedWithItsLastWordsAndSoIsOneThatCouldNotBeReplaced) {
  std::string pattern = (fs::temp_directory_path() / "local_launcher_test.XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const fs::path dir = pattern;
  const fs::path script = dir / "fake-minimr";
  std::ofstream(script) << "#!/bin/sh\necho 'starting' >&2\n"
                           "echo 'cannot create a directory /x: No space left on device' >&2\n"
                           "exit 1\n";
  fs::permissions(script, fs::perms::owner_all);
  const fs::path logs = dir / "logs";
  fs::create_directories(logs);
  WorkerLaunch launch;
  launch.minimr = script.string();
  launch.connection_file = (dir / "connection.json").string();
  launch.workers = 1;
  launch.log_dir = logs.string();
  launch.max_replacements = 1;
  LocalLauncher launcher;
  launcher.Start(launch);
  for (int i = 0; i < 1000 && launcher.Running() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(launcher.Running(), 0);
  const std::string ended = "local worker 1 exited with status 1 (log: " +
                            (logs / "worker-1.log").string() +
                            "): cannot create a directory /x: No space left on device";
  EXPECT_EQ(launcher.Endings(), ended + "\n");
  fs::create_directory(logs / "worker-2.log");  // its replacement cannot open its log
  try {
    launcher.ReplaceDead();
    ADD_FAILURE() << "a replacement started without its log";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(ended + "; another could not be started in its place: "
                                                  "cannot start " + script.string(),
                                          0),
              0u)
        << e.what();
  }
  launcher.Stop(Launcher::StopReason::kMasterGone);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace minimr::launcher
