#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "framework/src/api/job_params.h"
#include "framework/src/cli/commands.h"
#include "framework/src/config/job_config.h"
#include "framework/src/plugin/plugin.h"
#include "framework/src/runtime/job_output.h"
#include "framework/src/runtime/output_lock.h"
#include "framework/src/util/process.h"
#include "minimr/atomic_file.h"
#include "minimr/job.h"

namespace minimr::cli {

constexpr const char* kReportHelp = R"(usage: minimr report OUTDIR [--plots png|svg]

Renders the report of a finished job again from its output directory (part files and job.json).
Its plots are drawn as the job file's output.plots said, or as --plots says.
)";

int ReportCommand(int argc, char** argv) {
  std::string dir;
  std::optional<report::PlotFormat> plots;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kReportHelp;
      return 0;
    }
    if (arg == "--plots") {
      const std::string word = i + 1 < argc ? argv[++i] : "";
      plots = report::ParsePlotFormat(word);
      if (!plots) {
        std::cerr << "minimr report: --plots takes png or svg"
                  << (word.empty() ? std::string() : ", got '" + word + "'") << "\n"
                  << kReportHelp;
        return 2;
      }
    } else if (dir.empty() && !arg.starts_with("-")) {
      dir = arg;
    } else {
      std::cerr << "minimr report: unexpected argument '" << arg << "'\n" << kReportHelp;
      return 2;
    }
  }
  if (dir.empty()) {
    std::cerr << "minimr report: which output directory?\n" << kReportHelp;
    return 2;
  }
  std::string json_path = dir + "/job.json";
  try {
    // The report writes into the output: only into minimr's own, and while no job commits there.
    runtime::OutputLock lock(std::filesystem::absolute(dir).lexically_normal().string());
    if (std::string why_not; runtime::OutputIdOf(dir, &why_not).empty()) {
      throw std::runtime_error(dir + " is not the output of a finished minimr job: " + why_not);
    }
    RemoveLeftTemporaryFiles(dir);  // of a report cut short
    std::ifstream in(json_path);
    if (!in) throw std::runtime_error(json_path + ": cannot read");
    nlohmann::json json;
    try {
      json = nlohmann::json::parse(in);
    } catch (const std::exception& e) {
      throw std::runtime_error(json_path + ": malformed: " + e.what());
    }
    std::string name = json.at("job").get<std::string>();
    std::string plugin_path = json.value("plugin", "");
    if (!plugin_path.empty()) plugin::Probe(plugin_path, SelfExecutable());
    const JobDefinition& job = plugin::ResolveJob(name, plugin_path);
    if (!job.report) {
      std::cout << "Job " << name << " has no report.\n";
      return 0;
    }
    ReportContext context;
    context.output_dir = dir;
    context.params = Params(json.at("params").get<std::map<std::string, std::string>>());
    for (const auto& [counter, value] : json.at("counters").items()) {
      context.counters.Add(counter, value.get<int64_t>());
    }
    context.out = &std::cout;
    if (!plots) {
      // The job file's output.plots, kept in job.json's "configuration" (none before it existed).
      const nlohmann::json configuration = json.value("configuration", nlohmann::json(""));
      if (!configuration.is_string()) {
        throw std::runtime_error(json_path + ": \"configuration\" is not the job file's text (" +
                                 configuration.type_name() +
                                 "); choose the plots' format with --plots png|svg");
      }
      try {
        plots = config::PlotsOfEffectiveYaml(configuration.get<std::string>(),
                                             json_path + " configuration");
      } catch (const config::ConfigError& e) {
        throw std::runtime_error(std::string(e.what()) +
                                 " (choose the plots' format with --plots png|svg)");
      }
    }
    context.plots = *plots;
    job.report(context);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "minimr report: " << e.what() << std::endl;
    return 1;
  }
}

}  // namespace minimr::cli
