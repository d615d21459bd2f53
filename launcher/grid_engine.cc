#include "launcher/grid_engine.h"

#include <set>
#include <sstream>
#include <stdexcept>

#include "framework/src/util/process.h"

namespace minimr::launcher {

namespace {

constexpr auto kCommandDeadline = std::chrono::seconds(60);

std::string Trim(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t\r\n");
  size_t end = text.find_last_not_of(" \t\r\n");
  return begin == std::string::npos ? "" : text.substr(begin, end - begin + 1);
}

}  // namespace

bool GridEngine::Available() { return !FindInPath("qsub").empty(); }

std::string GridEngine::Submit(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"qsub", "-terse"};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult result = RunCommand(argv, kCommandDeadline);
  std::string output = Trim(result.output);
  if (result.status != 0 || output.empty()) {
    std::string command;
    for (const auto& a : argv) command += (command.empty() ? "" : " ") + a;
    throw std::runtime_error("qsub refused the workers' job (" + command + "): " +
                             (output.empty() ? "no output" : output));
  }
  // -terse prints "12" or "12.1-4:1" on the last line.
  std::string last = output.substr(output.find_last_of('\n') + 1);
  return last.substr(0, last.find('.'));
}

std::vector<SgeTask> GridEngine::Tasks(const std::vector<std::string>& job_ids) {
  CommandResult result = RunCommand({"qstat", "-g", "d"}, kCommandDeadline);
  if (result.status != 0) throw std::runtime_error("qstat failed: " + Trim(result.output));
  std::set<std::string> wanted(job_ids.begin(), job_ids.end());
  std::vector<SgeTask> tasks;
  std::istringstream lines(result.output);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string word; words >> word;) w.push_back(word);
    // job-ID prior name user state date time [queue@host] slots [ja-task-ID]
    if (w.size() < 8 || !wanted.count(w[0])) continue;
    SgeTask task;
    task.job_id = w[0];
    task.state = w[4];
    bool has_queue = w[7].find('@') != std::string::npos;
    if (has_queue) task.host = w[7].substr(w[7].find('@') + 1);
    size_t slots_at = has_queue ? 8 : 7;
    if (w.size() > slots_at + 1) {
      try {
        task.task = std::stoi(w[slots_at + 1]);
      } catch (const std::exception&) {
      }
    }
    tasks.push_back(task);
  }
  return tasks;
}

int GridEngine::WasDeleted(const std::string& job_id, int task) {
  CommandResult result =
      RunCommand({"qacct", "-j", job_id, "-t", std::to_string(task)}, kCommandDeadline);
  if (result.status != 0) return -1;
  std::istringstream lines(result.output);
  int failed = -1, exit_status = -1;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string field;
    words >> field;
    if (field == "failed") words >> failed;
    if (field == "exit_status") words >> exit_status;
  }
  if (failed < 0 || exit_status < 0) return -1;
  return failed != 0 || exit_status > 128 ? 1 : 0;
}

void GridEngine::Delete(const std::string& job_or_task) {
  RunCommand({"qdel", job_or_task}, kCommandDeadline);
}

std::string GridEngine::Explain(const std::string& job_id) {
  CommandResult result = RunCommand({"qstat", "-j", job_id}, kCommandDeadline);
  std::string text;
  std::istringstream lines(result.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("error reason", 0) == 0 || line.rfind("scheduling info", 0) == 0 ||
        (!text.empty() && line.rfind("    ", 0) == 0)) {
      text += "  " + Trim(line) + "\n";
    }
  }
  return text;
}

}  // namespace minimr::launcher
