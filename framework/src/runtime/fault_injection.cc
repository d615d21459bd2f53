#include "framework/src/runtime/fault_injection.h"

#include <signal.h>

#include <limits>
#include <stdexcept>
#include <thread>

#include "framework/src/config/duration.h"
#include "minimr/number_parse.h"

namespace minimr::runtime {

namespace {

int64_t Number(const std::string& text, const std::string& item, int64_t low) {
  constexpr int64_t kHigh = std::numeric_limits<int64_t>::max();
  const std::optional<int64_t> value = ParseInteger(text, low, kHigh);
  if (!value) {
    throw std::invalid_argument("fault '" + item + "': expected " +
                                DescribeIntegerRange(low, kHigh) + ", got '" + text + "'");
  }
  return *value;
}

}  // namespace

FaultPlan FaultPlan::Parse(const std::string& spec) {
  FaultPlan plan;
  size_t begin = 0;
  while (begin <= spec.size()) {
    size_t comma = spec.find_first_of(",;", begin);
    std::string item = spec.substr(begin, comma == std::string::npos ? comma : comma - begin);
    begin = comma == std::string::npos ? spec.size() + 1 : comma + 1;
    if (item.empty()) continue;
    size_t at = item.find('@');
    std::string what = item.substr(0, at);
    std::string arg;
    if (size_t eq = what.find('='); eq != std::string::npos) {
      arg = what.substr(eq + 1);
      what = what.substr(0, eq);
    }
    if (at == std::string::npos) {
      if (what == "die-after-records") {
        plan.die_after_records_ = Number(arg, item, 1);
      } else if (what == "stall-after-maps") {
        plan.stall_after_maps_ = static_cast<int>(Number(arg, item, 1));
      } else if (what == "hang-fetch" && arg.empty()) {
        plan.hang_fetch_ = true;
      } else {
        throw std::invalid_argument("fault '" + item + "': unknown (see fault_injection.h)");
      }
      continue;
    }
    Rule rule{};
    if (what == "throw") rule.action = Action::kThrow;
    else if (what == "crash") rule.action = Action::kCrash;
    else if (what == "stall") rule.action = Action::kStall;
    else if (what == "delay") rule.action = Action::kDelay;
    else throw std::invalid_argument("fault '" + item + "': unknown action '" + what + "'");
    if (rule.action == Action::kDelay) {
      auto delay = config::ParseDuration(arg);
      if (!delay) throw std::invalid_argument("fault '" + item + "': expected delay=DURATION");
      rule.delay = *delay;
    } else if (!arg.empty()) {
      throw std::invalid_argument("fault '" + item + "': '" + what + "' takes no value");
    }
    std::string where = item.substr(at + 1);  // map:3#0
    if (where == "commit") {
      if (rule.action != Action::kDelay) {
        throw std::invalid_argument("fault '" + item + "': only delay=DURATION@commit");
      }
      plan.commit_delay_ = rule.delay;
      continue;
    }
    size_t colon = where.find(':');
    std::string phase = where.substr(0, colon);
    if ((phase != "map" && phase != "reduce") || colon == std::string::npos) {
      throw std::invalid_argument("fault '" + item + "': expected @map:N, @reduce:N or @commit");
    }
    rule.is_map = phase == "map";
    std::string task = where.substr(colon + 1);
    rule.attempt = -1;
    if (size_t hash = task.find('#'); hash != std::string::npos) {
      rule.attempt = static_cast<int>(Number(task.substr(hash + 1), item, 0));
      task = task.substr(0, hash);
    }
    rule.index = task == "*" ? -1 : static_cast<int>(Number(task, item, 0));
    plan.rules_.push_back(rule);
  }
  return plan;
}

void FaultPlan::OnTaskStart(bool is_map, int index, int attempt) const {
  for (const Rule& rule : rules_) {
    if (rule.is_map != is_map || (rule.index >= 0 && rule.index != index) ||
        (rule.attempt >= 0 && rule.attempt != attempt)) {
      continue;
    }
    switch (rule.action) {
      case Action::kThrow:
        throw std::runtime_error("injected fault: this task always throws");
      case Action::kCrash:
        ::raise(SIGSEGV);
        break;
      case Action::kStall:
        ::raise(SIGSTOP);
        break;
      case Action::kDelay:
        std::this_thread::sleep_for(rule.delay);
        break;
    }
  }
}

void FaultPlan::BeforeCommit() const {
  if (commit_delay_.count() > 0) std::this_thread::sleep_for(commit_delay_);
}

void FaultPlan::OnRecords(int64_t records) {
  if (die_after_records_ && (records_ += records) >= die_after_records_) ::raise(SIGKILL);
}

bool FaultPlan::StallAfterMapDone() { return stall_after_maps_ && ++maps_done_ == stall_after_maps_; }

}  // namespace minimr::runtime
