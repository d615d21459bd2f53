// Workers through Sun Grid Engine. Two ways, chosen by where minimr runs:
//  - array job: `qsub -t 1-N` of a job script that runs `minimr worker`; a task that is lost is
//    resubmitted by its index (`qsub -t K`), up to the profile's max_resubmits;
//  - tight integration: inside a parallel-environment job (PE_HOSTFILE set), one worker per
//    granted slot with `qrsh -inherit HOST`, so that SGE accounts for and kills every process.
// The cluster's key never appears in a job's environment or command line: workers read it from
// the 0600 connection file in the profile's shared directory.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <vector>

#include "launcher/cluster_profile.h"
#include "launcher/grid_engine.h"
#include "launcher/launcher.h"
#include "framework/src/util/process.h"

namespace minimr::launcher {

class SgeLauncher : public Launcher {
 public:
  explicit SgeLauncher(ClusterProfile profile);
  ~SgeLauncher() override;

  // What Start() would do, without doing it: the job script and the qsub command.
  std::string DryRun(const WorkerLaunch& launch);

  void Start(const WorkerLaunch& launch) override;
  int Running() override;
  std::string Endings() override;
  std::vector<std::string> ReplaceDead() override;
  void Stop(StopReason why) override;
  std::string Problem() override;
  std::string Describe() override;

  // Inside a parallel-environment job: the hosts and slots SGE granted (from PE_HOSTFILE).
  static bool InParallelEnvironment();
  // The profile's resource requests (queue, limits, memory, project, extra options) as qsub
  // arguments, for the workers' job and for a master job.
  static std::vector<std::string> ResourceArgs(const ClusterProfile& profile);

 private:
  std::string WriteScript(const WorkerLaunch& launch);
  std::string ScriptText(const WorkerLaunch& launch) const;
  std::vector<std::string> QsubArgs(const std::string& tasks) const;
  std::string LogPattern() const;
  void StartInParallelEnvironment(const WorkerLaunch& launch);
  // qstat's view of our jobs, asked at most once a second (callers poll several times a second).
  const std::vector<SgeTask>& Tasks();

  ClusterProfile profile_;
  WorkerLaunch launch_;
  std::string script_;
  bool started_ = false;
  // Array mode: each task's index and the job that holds it now.
  std::map<int, std::string> task_job_;
  std::set<std::string> jobs_;  // every job id submitted
  int resubmits_ = 0;
  std::chrono::steady_clock::time_point started_at_;
  std::vector<SgeTask> tasks_;
  std::chrono::steady_clock::time_point tasks_at_{};
  std::string problem_;
  std::vector<std::string> notes_;  // what happened to tasks, for Endings()
  // Parallel-environment mode: the qrsh -inherit processes.
  struct Inherited {
    std::unique_ptr<ChildProcess> process;
    std::string host, name, log;
    bool replaced = false;
  };
  std::vector<Inherited> inherited_;
};

}  // namespace minimr::launcher
