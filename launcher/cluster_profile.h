// A cluster profile (configs/clusters/NAME.yaml): how a cluster's workers are started, with every
// site-specific name (queue, parallel environment, memory resource) coming from the file.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace minimr::launcher {

struct ClusterProfile {
  std::string source;        // the file it was read from ("" for the built-in defaults)
  std::string name;          // the file's stem: "sge", "local"
  std::string launcher = "local";  // "local" or "sge"
  int workers = 2;
  // Where the connection file, the workers' job script and every log go; for SGE a directory
  // every exec host sees at the same path.
  std::string shared_dir;
  // SGE only:
  // Where `minimr cluster start` runs the master: "submit-host" (here), or "job": as a
  // parallel-environment job of its own (qsub -pe PE N) that starts the workers in its slots
  // with qrsh -inherit.
  std::string master = "submit-host";
  std::string queue;                 // qsub -q
  std::string parallel_environment;  // the PE for tight integration (qsub -pe NAME SLOTS)
  std::string runtime_limit;         // -l h_rt=...
  std::string soft_runtime_limit;    // -l s_rt=...: the workers drain before it
  std::string memory;                // -l as written: "h_vmem=2G", "mem_free=4G"
  std::string project;               // qsub -P
  std::vector<std::string> qsub_options;  // anything else, passed as they are
  int max_resubmits = 8;             // lost array tasks resubmitted, over the cluster's life
  std::chrono::milliseconds pending_timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds register_timeout{std::chrono::minutes(2)};
};

// Reads a profile: `name_or_path` is a path to a YAML file, or a name looked up as
// configs/clusters/NAME.yaml in the current directory and then beside the minimr executable's
// source tree. Throws std::runtime_error naming the file, line and key of any mistake.
ClusterProfile LoadClusterProfile(const std::string& name_or_path);

// The profile to use for `launcher` when none is named: configs/clusters/LAUNCHER.yaml if it
// exists, else the built-in defaults.
ClusterProfile DefaultClusterProfile(const std::string& launcher);

}  // namespace minimr::launcher
