#include "launcher/sge_launcher.h"

#include <signal.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "launcher/grid_engine.h"
#include "minimr/atomic_file.h"
#include "minimr/number_parse.h"

namespace minimr::launcher {

namespace fs = std::filesystem;

namespace {

// Quotes a word for a POSIX shell, when it needs it.
std::string Quote(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789-_./=:,@+") == std::string::npos) {
    return word;
  }
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// "h:m:s", "m:s" or "s" in seconds; -1 if it is none of those.
long long RuntimeSeconds(const std::string& text) {
  long long total = 0;
  std::istringstream parts(text);
  int count = 0;
  for (std::string part; std::getline(parts, part, ':');) {
    // Up to ten years in any one part: more is a mistake (and would overflow).
    const std::optional<uint64_t> value = ParseUnsigned(part, uint64_t{10} * 366 * 24 * 3600);
    if (!value || ++count > 3) return -1;
    total = total * 60 + static_cast<long long>(*value);
  }
  return count >= 1 && count <= 3 ? total : -1;
}

}  // namespace

SgeLauncher::SgeLauncher(ClusterProfile profile) : profile_(std::move(profile)) {
  for (const std::string* limit : {&profile_.runtime_limit, &profile_.soft_runtime_limit}) {
    if (!limit->empty() && RuntimeSeconds(*limit) < 0) {
      throw std::runtime_error(profile_.source + ": a run-time limit must read h:m:s, got '" +
                               *limit + "'");
    }
  }
}

SgeLauncher::~SgeLauncher() = default;

bool SgeLauncher::InParallelEnvironment() {
  const char* hostfile = std::getenv("PE_HOSTFILE");
  return hostfile && *hostfile;
}

std::string SgeLauncher::LogPattern() const {
  // SGE fills in $TASK_ID itself.
  return profile_.shared_dir + "/logs/worker.$TASK_ID.log";
}

std::string SgeLauncher::ScriptText(const WorkerLaunch& launch) const {
  // The worker stops taking tasks it cannot finish before the soft limit (or the hard one).
  std::string limit = !profile_.soft_runtime_limit.empty() ? profile_.soft_runtime_limit
                                                            : profile_.runtime_limit;
  std::string text =
      "#!/bin/bash\n"
      "# minimr workers of the cluster '" + profile_.name + "', written by minimr for qsub:\n"
      "# one worker per array task (or per PE slot, through qrsh -inherit, the slot as $1).\n"
      "# The cluster's key is read from the connection file, never passed here.\n"
      "task=${SGE_TASK_ID:-undefined}\n"
      "case $task in undefined) task=\"slot ${1:-?}\" ;; *) task=\"task $task\" ;; esac\n"
      "name=\"sge $task (job ${JOB_ID:-?})\"\n"
      "exec " + Quote(launch.minimr) + " worker --connection-file " +
      Quote(launch.connection_file) + " --name \"$name\" --work-dir \"${TMPDIR:-/tmp}\"";
  if (!limit.empty()) text += " --run-time-limit " + std::to_string(RuntimeSeconds(limit));
  return text + "\n";
}

std::vector<std::string> SgeLauncher::ResourceArgs(const ClusterProfile& profile) {
  std::vector<std::string> args;
  if (!profile.queue.empty()) args.insert(args.end(), {"-q", profile.queue});
  if (!profile.runtime_limit.empty()) args.insert(args.end(), {"-l", "h_rt=" + profile.runtime_limit});
  if (!profile.soft_runtime_limit.empty()) {
    args.insert(args.end(), {"-l", "s_rt=" + profile.soft_runtime_limit});
  }
  if (!profile.memory.empty()) args.insert(args.end(), {"-l", profile.memory});
  if (!profile.project.empty()) args.insert(args.end(), {"-P", profile.project});
  args.insert(args.end(), profile.qsub_options.begin(), profile.qsub_options.end());
  return args;
}

std::vector<std::string> SgeLauncher::QsubArgs(const std::string& tasks) const {
  std::vector<std::string> args = {"-N", "minimr-" + profile_.name, "-t", tasks, "-o",
                                   LogPattern(), "-j", "y", "-S", "/bin/bash", "-notify"};
  std::vector<std::string> resources = ResourceArgs(profile_);
  args.insert(args.end(), resources.begin(), resources.end());
  args.push_back(script_.empty() ? profile_.shared_dir + "/workers.sh" : script_);
  return args;
}

std::string SgeLauncher::DryRun(const WorkerLaunch& launch) {
  std::string command = "qsub -terse";
  for (const auto& arg : QsubArgs("1-" + std::to_string(launch.workers))) command += " " + Quote(arg);
  return "# " + profile_.shared_dir + "/workers.sh\n" + ScriptText(launch) + "\n# submitted with\n" +
         command + "\n";
}

std::string SgeLauncher::WriteScript(const WorkerLaunch& launch) {
  fs::create_directories(fs::path(profile_.shared_dir) / "logs");
  std::string path = profile_.shared_dir + "/workers.sh";
  // Not synced: qsub reads it while this process runs.
  WriteFileAtomically(path, ScriptText(launch), 0700, /*durable=*/false);
  ::chmod(path.c_str(), 0700);  // executable whatever the umask: qrsh -inherit runs it
  return path;
}

void SgeLauncher::Start(const WorkerLaunch& launch) {
  launch_ = launch;
  started_at_ = std::chrono::steady_clock::now();
  script_ = WriteScript(launch);
  started_ = true;
  if (InParallelEnvironment()) return StartInParallelEnvironment(launch);
  if (!GridEngine::Available()) {
    throw std::runtime_error("qsub is not on the PATH: is this a Grid Engine submit host? "
                             "(source the cell's settings.sh, or use the local launcher)");
  }
  std::string job = GridEngine::Submit(QsubArgs("1-" + std::to_string(launch.workers)));
  jobs_.insert(job);
  for (int task = 1; task <= launch.workers; ++task) task_job_[task] = job;
}

void SgeLauncher::StartInParallelEnvironment(const WorkerLaunch& launch) {
  std::ifstream hostfile(std::getenv("PE_HOSTFILE"));
  std::string qrsh = FindInPath("qrsh");
  if (!hostfile || qrsh.empty()) {
    throw std::runtime_error(std::string("cannot start workers with qrsh -inherit: ") +
                             (qrsh.empty() ? "qrsh is not on the PATH"
                                           : "cannot read PE_HOSTFILE " +
                                                 std::string(std::getenv("PE_HOSTFILE"))));
  }
  int slot = 0;
  for (std::string line; std::getline(hostfile, line);) {
    std::istringstream words(line);
    std::string host;
    int slots = 0;
    if (!(words >> host >> slots)) continue;
    for (int i = 0; i < slots && slot < launch.workers; ++i) {
      ++slot;
      std::string log = profile_.shared_dir + "/logs/worker.pe-" + std::to_string(slot) + ".log";
      // qrsh joins its arguments into one shell line: a script path and a number are safe.
      inherited_.push_back({std::make_unique<ChildProcess>(
                                std::vector<std::string>{qrsh, "-inherit", host, script_,
                                                         std::to_string(slot)},
                                log),
                            host, "sge pe slot " + std::to_string(slot), log});
    }
  }
  if (inherited_.empty()) throw std::runtime_error("PE_HOSTFILE grants no slot");
}

const std::vector<SgeTask>& SgeLauncher::Tasks() {
  auto now = std::chrono::steady_clock::now();
  if (now - tasks_at_ >= std::chrono::seconds(1)) {
    tasks_ = GridEngine::Tasks({jobs_.begin(), jobs_.end()});  // throws: the cache stays as it was
    tasks_at_ = now;
  }
  return tasks_;
}

int SgeLauncher::Running() {
  if (!inherited_.empty()) {
    int running = 0;
    for (auto& worker : inherited_) running += worker.process->Running() ? 1 : 0;
    return running;
  }
  try {
    return static_cast<int>(Tasks().size());
  } catch (const std::exception&) {
    return static_cast<int>(task_job_.size());  // qstat hiccup: assume nothing changed
  }
}

std::string SgeLauncher::Endings() {
  std::string text;
  for (const auto& note : notes_) text += note + "\n";
  for (auto& worker : inherited_) {
    if (!worker.process->Running()) {
      text += worker.name + " on " + worker.host + " " + worker.process->Ending() + " (log: " +
              worker.log + ")\n";
    }
  }
  return text + "worker logs: " + profile_.shared_dir + "/logs/\n";
}

std::string SgeLauncher::Describe() {
  if (!inherited_.empty()) {
    return std::to_string(inherited_.size()) + " workers through qrsh -inherit, logs in " +
           profile_.shared_dir + "/logs/";
  }
  std::string ids;
  for (const auto& job : jobs_) ids += (ids.empty() ? "" : ", ") + job;
  return "sge job " + ids + ", logs in " + profile_.shared_dir + "/logs/";
}

std::vector<std::string> SgeLauncher::ReplaceDead() {
  std::vector<std::string> lines;
  if (!started_ || !problem_.empty()) return lines;
  if (!inherited_.empty()) {
    // Tight integration: SGE granted these slots; a worker that died is started again there.
    for (size_t i = 0; i < inherited_.size(); ++i) {
      Inherited& worker = inherited_[i];
      if (worker.replaced || worker.process->Running() || worker.process->ExitedCleanly()) continue;
      if (resubmits_ >= profile_.max_resubmits) break;
      ++resubmits_;
      worker.replaced = true;
      lines.push_back(worker.name + " on " + worker.host + " " + worker.process->Ending() +
                      "; starting it again");
      inherited_.push_back({std::make_unique<ChildProcess>(
                                std::vector<std::string>{FindInPath("qrsh"), "-inherit",
                                                         worker.host, script_,
                                                         std::to_string(i + 1)},
                                worker.log),
                            worker.host, worker.name, worker.log});
    }
    return lines;
  }
  auto checked = tasks_at_;
  std::vector<SgeTask> tasks;
  try {
    tasks = Tasks();
  } catch (const std::exception& e) {
    return lines;  // try again next time
  }
  if (checked == tasks_at_) return lines;  // nothing new since the last look
  std::map<int, const SgeTask*> listed;
  for (const SgeTask& t : tasks) {
    auto it = task_job_.find(t.task);
    if (it != task_job_.end() && it->second == t.job_id) listed[t.task] = &t;
  }
  auto now = std::chrono::steady_clock::now();
  for (const auto& [index, task] : listed) {
    if (task->state.find('E') != std::string::npos) {
      problem_ = "worker task " + task->job_id + "." + std::to_string(index) +
                 " is in an error state (" + task->state + "):\n" + GridEngine::Explain(task->job_id);
      return lines;
    }
    if (task->state.find('q') != std::string::npos && now - started_at_ > profile_.pending_timeout) {
      problem_ = "worker task " + task->job_id + "." + std::to_string(index) +
                 " is still waiting in the queue after " +
                 std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                    profile_.pending_timeout).count()) +
                 " s (pending_timeout in " + (profile_.source.empty() ? "the profile" : profile_.source) +
                 "):\n" + GridEngine::Explain(task->job_id);
      return lines;
    }
  }
  if (listed.empty() && !task_job_.empty()) {
    // All gone at once: deleted from outside (qdel of the array), or each left in good order
    // (their run-time was up)? The accounting tells; without it yet, look again next time.
    int deleted = 0;
    for (const auto& [index, job] : task_job_) {
      int verdict = GridEngine::WasDeleted(job, index);
      if (verdict < 0 && now - started_at_ < std::chrono::seconds(30)) return lines;
      deleted += verdict == 1 ? 1 : 0;
    }
    if (deleted == static_cast<int>(task_job_.size())) {
      std::string ids;
      for (const auto& job : jobs_) ids += (ids.empty() ? "" : ", ") + job;
      problem_ = "every worker task was deleted from the queue (job " + ids +
                 "; qdel?); worker logs are in " + profile_.shared_dir + "/logs/";
      return lines;
    }
  }
  for (auto& [index, job] : task_job_) {
    if (listed.count(index)) continue;
    if (resubmits_ >= profile_.max_resubmits) {
      notes_.push_back("worker task " + job + "." + std::to_string(index) +
                       " ended and the profile's max_resubmits (" +
                       std::to_string(profile_.max_resubmits) + ") is used up");
      continue;
    }
    ++resubmits_;
    std::string task = std::to_string(index);
    try {
      std::string fresh = GridEngine::Submit(QsubArgs(task + "-" + task));
      lines.push_back("worker task " + job + "." + task + " ended; resubmitted as " + fresh +
                      "." + task + " (log: " + profile_.shared_dir + "/logs/worker." + task +
                      ".log)");
      job = fresh;
      jobs_.insert(fresh);
      tasks_at_ = {};  // look again, with the new job
    } catch (const std::exception& e) {
      problem_ = e.what();
      return lines;
    }
  }
  return lines;
}

std::string SgeLauncher::Problem() { return problem_; }

void SgeLauncher::Stop(StopReason) {
  // The grace even after an interrupt: a worker that qdel ends leaves its scratch directory.
  auto deadline = std::chrono::steady_clock::now() + kStopGrace;
  if (!inherited_.empty()) {
    for (auto& worker : inherited_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (!worker.process->WaitFor(std::max(left, std::chrono::milliseconds(0)))) {
        worker.process->Signal(SIGTERM);
      }
    }
    for (auto& worker : inherited_) {
      if (!worker.process->WaitFor(std::chrono::seconds(5))) worker.process->Signal(SIGKILL);
      worker.process->WaitFor(std::chrono::seconds(2));
    }
    return;
  }
  if (jobs_.empty()) return;
  std::vector<std::string> jobs(jobs_.begin(), jobs_.end());
  // The master told the workers to exit; give them the grace, then qdel what is left, and wait
  // until qstat lists none of it.
  auto gone_by = [&](std::chrono::steady_clock::time_point until) {
    while (std::chrono::steady_clock::now() < until) {
      try {
        if (GridEngine::Tasks(jobs).empty()) return true;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return false;
  };
  if (gone_by(deadline)) return;
  for (const auto& job : jobs) GridEngine::Delete(job);
  gone_by(std::chrono::steady_clock::now() + std::chrono::seconds(60));
}

}  // namespace minimr::launcher
