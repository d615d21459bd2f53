#include "framework/src/config/job_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace minimr::config {
namespace {

namespace fs = std::filesystem;

constexpr char kKnownTopKeys[] =
    "(known: job, plugin, params, input, map, reduce, shuffle, output, cluster, tasks)";

// The smallest valid file: the three required keys. Tests append to it, under `input` when
// they indent, and from line 6.
constexpr char kMinimal[] =
    "job: wordcount\n"
    "output:\n"
    "  dir: out/wc\n"
    "input:\n"
    "  paths: data/*.txt\n";

// Each test runs in a fresh temporary directory, which is also the current directory, so that
// files are named relative to it exactly as a user would name them.
class JobConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/job_config_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    old_cwd_ = fs::current_path();
    fs::current_path(pattern);
    dir_ = fs::current_path().string();
  }

  void TearDown() override {
    fs::current_path(old_cwd_);
    fs::remove_all(dir_);
  }

  // Writes `text` to `name` (relative to the temporary directory) and returns `name`.
  static std::string Write(const std::string& name, const std::string& text) {
    fs::create_directories(fs::path(name).parent_path().empty() ? "."
                                                                : fs::path(name).parent_path());
    std::ofstream(name) << text;
    return name;
  }

  // Loads `path` expecting a ConfigError and returns its message ("" if nothing was thrown).
  static std::string ErrorOf(const std::string& path,
                             const std::vector<std::string>& overrides = {}) {
    try {
      LoadJobConfig(path, overrides);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }

  // Like ErrorOf, for a file holding `text`.
  static std::string ErrorOfText(const std::string& text,
                                 const std::vector<std::string>& overrides = {}) {
    return ErrorOf(Write("job.yaml", text), overrides);
  }

  std::string dir_;
  fs::path old_cwd_;
};

// --- Valid files ------------------------------------------------------------------------------

TEST_F(JobConfigTest, ReadsEveryKeyOfAFullFile) {
  const std::string path = Write("configs/pi-two-digit.yaml",
                                 "# configs/pi-two-digit.yaml\n"
                                 "job: pidigits\n"
                                 "plugin: lib/libpidigits.so\n"
                                 "params:\n"
                                 "  n: 2\n"
                                 "  continuous: true\n"
                                 "input:\n"
                                 "  paths: data/pi/pi150m.ascii.*   # a glob\n"
                                 "  split_size: 8MiB\n"
                                 "  generate: {digits: 150000000, files: 15}\n"
                                 "reduce:\n"
                                 "  tasks: 3\n"
                                 "output:\n"
                                 "  dir: out/pi-two-digit\n"
                                 "cluster:\n"
                                 "  launcher: sge\n"
                                 "  workers: 16\n");
  const JobConfig config = LoadJobConfig(path);
  EXPECT_EQ(config.source, "configs/pi-two-digit.yaml");
  EXPECT_EQ(config.job, "pidigits");
  EXPECT_EQ(config.plugin, dir_ + "/lib/libpidigits.so");
  EXPECT_EQ(config.params,
            (std::map<std::string, std::string>{{"n", "2"}, {"continuous", "true"}}));
  EXPECT_EQ(config.input_patterns, std::vector<std::string>{dir_ + "/data/pi/pi150m.ascii.*"});
  EXPECT_EQ(config.input_pattern_where, std::vector<std::string>{"configs/pi-two-digit.yaml:8:10"});
  EXPECT_EQ(config.split_size, 8u << 20);
  EXPECT_EQ(config.generate,
            (std::map<std::string, std::string>{{"digits", "150000000"}, {"files", "15"}}));
  EXPECT_EQ(config.reduce_tasks, 3);
  EXPECT_EQ(config.output_dir, dir_ + "/out/pi-two-digit");
  EXPECT_EQ(config.launcher, "sge");
  EXPECT_EQ(config.workers, 16);
}

TEST_F(JobConfigTest, FillsDefaultsForOptionalKeys) {
  const JobConfig config = LoadJobConfig(Write("job.yaml", kMinimal));
  EXPECT_EQ(config.plugin, "");
  EXPECT_TRUE(config.params.empty());
  EXPECT_EQ(config.split_size, 0u);
  EXPECT_TRUE(config.generate.empty());
  EXPECT_EQ(config.reduce_tasks, 1);
  EXPECT_EQ(config.launcher, "local");
  EXPECT_EQ(config.workers, 2);
}

TEST_F(JobConfigTest, EmptySectionsMeanDefaults) {
  const JobConfig config = LoadJobConfig(Write("job.yaml", std::string(kMinimal) + "params:\n"
                                                                                   "reduce:\n"
                                                                                   "cluster:\n"));
  EXPECT_TRUE(config.params.empty());
  EXPECT_EQ(config.reduce_tasks, 1);
  EXPECT_EQ(config.workers, 2);
}

TEST_F(JobConfigTest, SplitSizeFileMeansOneSplitPerFile) {
  const JobConfig config = LoadJobConfig(
      Write("job.yaml", std::string(kMinimal) + "  split_size: file\n"), {"input.split_size=file"});
  EXPECT_EQ(config.split_size, 0u);
}

TEST_F(JobConfigTest, SplitSizeAcceptsASpaceBeforeTheUnit) {
  const JobConfig config = LoadJobConfig(Write("job.yaml",
                                               "job: wordcount\n"
                                               "input: {paths: a.txt, split_size: 64 KiB}\n"
                                               "output: {dir: out}\n"));
  EXPECT_EQ(config.split_size, 64u * 1024);
}

TEST_F(JobConfigTest, InputPathsMayBeAList) {
  const JobConfig config = LoadJobConfig(Write("job.yaml",
                                               "job: wordcount\n"
                                               "input:\n"
                                               "  paths:\n"
                                               "    - a/*.txt\n"
                                               "    - /abs/b.txt\n"
                                               "output: {dir: out}\n"));
  EXPECT_EQ(config.input_patterns, (std::vector<std::string>{dir_ + "/a/*.txt", "/abs/b.txt"}));
  EXPECT_EQ(config.input_pattern_where, (std::vector<std::string>{"job.yaml:4:7", "job.yaml:5:7"}));
}

TEST_F(JobConfigTest, PathsAreMadeAbsoluteWithoutDotComponents) {
  const JobConfig config = LoadJobConfig(Write("job.yaml",
                                               "job: wordcount\n"
                                               "input: {paths: ./data/../x/./*.txt}\n"
                                               "output: {dir: out/}\n"));
  EXPECT_EQ(config.input_patterns, std::vector<std::string>{dir_ + "/data/../x/*.txt"});
  EXPECT_EQ(config.output_dir, dir_ + "/out");
}

TEST_F(JobConfigTest, QuotedParamKeepsItsText) {
  const JobConfig config = LoadJobConfig(
      Write("job.yaml", std::string(kMinimal) + "params: {mode: 'null', n: '007'}\n"));
  EXPECT_EQ(config.params.at("mode"), "null");
  EXPECT_EQ(config.params.at("n"), "007");
}

// --- Overrides --------------------------------------------------------------------------------

TEST_F(JobConfigTest, OverrideReplacesAScalar) {
  const JobConfig config =
      LoadJobConfig(Write("job.yaml", std::string(kMinimal) + "params:\n  n: 2\n"), {"params.n=3"});
  EXPECT_EQ(config.params.at("n"), "3");
}

TEST_F(JobConfigTest, OverrideValueIsYamlSoAListReplacesAPath) {
  const JobConfig config = LoadJobConfig(Write("job.yaml", kMinimal), {"input.paths=[a, b]"});
  EXPECT_EQ(config.input_patterns, (std::vector<std::string>{dir_ + "/a", dir_ + "/b"}));
  EXPECT_EQ(config.input_pattern_where,
            (std::vector<std::string>{"-D input.paths=[a, b]", "-D input.paths=[a, b]"}));
}

TEST_F(JobConfigTest, OverrideAddsANewParam) {
  const JobConfig config = LoadJobConfig(
      Write("job.yaml", std::string(kMinimal) + "params:\n  n: 2\n"), {"params.continuous=true"});
  EXPECT_EQ(config.params,
            (std::map<std::string, std::string>{{"n", "2"}, {"continuous", "true"}}));
}

TEST_F(JobConfigTest, OverrideSetsASplitSize) {
  const JobConfig config = LoadJobConfig(Write("job.yaml", kMinimal), {"input.split_size=1MiB"});
  EXPECT_EQ(config.split_size, 1u << 20);
}

TEST_F(JobConfigTest, OverrideCreatesAMissingSection) {
  const JobConfig config =
      LoadJobConfig(Write("job.yaml", kMinimal), {"reduce.tasks=4", "params.n=5"});
  EXPECT_EQ(config.reduce_tasks, 4);
  EXPECT_EQ(config.params.at("n"), "5");
}

TEST_F(JobConfigTest, LaterOverrideWins) {
  const JobConfig config =
      LoadJobConfig(Write("job.yaml", kMinimal), {"cluster.workers=3", "cluster.workers=7"});
  EXPECT_EQ(config.workers, 7);
}

TEST_F(JobConfigTest, OverrideSuppliesARequiredKey) {
  const JobConfig config = LoadJobConfig(Write("job.yaml",
                                               "input: {paths: a}\n"
                                               "output: {dir: out}\n"),
                                         {"job=wordcount"});
  EXPECT_EQ(config.job, "wordcount");
}

TEST_F(JobConfigTest, OverrideValueMayContainEquals) {
  const JobConfig config = LoadJobConfig(Write("job.yaml", kMinimal), {"params.expr=a=b"});
  EXPECT_EQ(config.params.at("expr"), "a=b");
}

// --- The effective configuration ---------------------------------------------------------------

TEST_F(JobConfigTest, EffectiveYamlReadsBackToTheSameConfig) {
  const JobConfig first = LoadJobConfig(
      Write("job.yaml", std::string(kMinimal) +
                            "  split_size: 8MiB\n"
                            "  generate: {digits: 1000}\n"
                            "params: {n: 2, empty: '', nul: 'null', colon: 'a: b', list: '[x]'}\n"
                            "plugin: lib/x.so\n"),
      {"params.n=3", "cluster.launcher=sge", "output.format=jsonl", "map.sort_buffer=100000",
       "reduce.shuffle_buffer=3MiB", "shuffle.merge_factor=7", "output.plots=svg"});
  const JobConfig second = LoadJobConfig(Write("effective.yaml", first.effective_yaml));
  EXPECT_EQ(second.job, first.job);
  EXPECT_EQ(second.plugin, first.plugin);
  EXPECT_EQ(second.params, first.params);
  EXPECT_EQ(second.input_patterns, first.input_patterns);
  EXPECT_EQ(second.split_size, first.split_size);
  EXPECT_EQ(second.generate, first.generate);
  EXPECT_EQ(second.reduce_tasks, first.reduce_tasks);
  EXPECT_EQ(second.sort_buffer, 100000u);
  EXPECT_EQ(second.shuffle_buffer, 3u << 20);
  EXPECT_EQ(second.merge_factor, 7);
  EXPECT_EQ(second.output_dir, first.output_dir);
  EXPECT_EQ(second.launcher, first.launcher);
  EXPECT_EQ(second.workers, first.workers);
  EXPECT_EQ(second.worker_timeout, first.worker_timeout);
  EXPECT_EQ(second.max_attempts, first.max_attempts);
  EXPECT_EQ(second.speculation, first.speculation);
  EXPECT_EQ(second.output_format, first.output_format);
  EXPECT_EQ(second.output_overwrite, first.output_overwrite);
  EXPECT_EQ(second.plots, report::PlotFormat::kSvg);
  EXPECT_EQ(PlotsOfEffectiveYaml(first.effective_yaml, "job.json"), report::PlotFormat::kSvg);
}

TEST_F(JobConfigTest, ControlCharactersInStringsReadBackFromTheEffectiveYaml) {
  // yaml-cpp writes a carriage return plain, where before a newline it reads back as a line
  // break (found by the job_config fuzzer).
  const JobConfig first = LoadJobConfig(
      Write("job.yaml", "job: \"word\\rcount\"\noutput: {dir: \"out\\r\\x01\"}\n"
                        "input: {paths: \"a\\rb\"}\nparams: {\"k\\r\": \"v\\r\"}\n"),
      {"params.x=\"1\\rjob: evil\"", "params.y=\"2\rjob: evil\""});
  ASSERT_EQ(first.job, "word\rcount");
  const JobConfig second = LoadJobConfig(Write("effective.yaml", first.effective_yaml));
  EXPECT_EQ(second.job, first.job) << first.effective_yaml;
  EXPECT_EQ(second.output_dir, first.output_dir);
  EXPECT_EQ(second.input_patterns, first.input_patterns);
  EXPECT_EQ(second.params, first.params);
  EXPECT_EQ(second.params.at("x"), "1\rjob: evil");
}

TEST_F(JobConfigTest, AnOverrideKeepsItsBytesWhateverTheyStartWith) {
  // yaml-cpp took a value starting with the bytes FE FF or FF FE for UTF-16 and read CJK
  // characters (found by the job_config fuzzer).
  const JobConfig config = LoadJobConfig(
      Write("job.yaml", kMinimal), {"input.paths=\xFE\xFFin", "params.k=\xFF\xFEv\xE9"});
  ASSERT_EQ(config.input_patterns.size(), 1u);
  EXPECT_EQ(config.input_patterns[0], dir_ + "/\xFE\xFFin");
  EXPECT_EQ(config.params.at("k"), "\xFF\xFEv\xE9");
}

TEST_F(JobConfigTest, RefusesUnicodeNoncharactersWhichTheJobsRecordCannotKeep) {
  // yaml-cpp writes them as U+FFFD in a quoted string (found by the job_config fuzzer).
  const std::string cannot_keep = ", which the job's record (its effective YAML) cannot keep";
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "params: {k: \"\\uFFFF\\u0001\"}\n"),
            "job.yaml:6:13: params.k: holds the Unicode noncharacter U+FFFF" + cannot_keep);
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "params: {\"a\xEF\xB7\x90\": 1}\n"),
            "job.yaml:6:10: params: holds the Unicode noncharacter U+FDD0" + cannot_keep);
  EXPECT_EQ(ErrorOfText(kMinimal, {"input.paths=x\xF4\x8F\xBF\xBE"}),
            "-D input.paths=x\xF4\x8F\xBF\xBE: input.paths: holds the Unicode noncharacter "
            "U+10FFFE" + cannot_keep);
  // The characters next to them are kept.
  EXPECT_EQ(LoadJobConfig(Write("job.yaml", kMinimal), {"params.k=\"\\uFFFD\\uFDCF\\uFDF0\""})
                .params.at("k"),
            "\xEF\xBF\xBD\xEF\xB7\x8F\xEF\xB7\xB0");
}

TEST_F(JobConfigTest, OutputOverwriteIsFalseUnlessTheJobSaysTrue) {
  EXPECT_FALSE(LoadJobConfig(Write("job.yaml", kMinimal)).output_overwrite);
  EXPECT_TRUE(
      LoadJobConfig(Write("job.yaml", kMinimal), {"output.overwrite=true"}).output_overwrite);
  EXPECT_EQ(ErrorOfText(std::string(kMinimal), {"output.overwrite=yes please"}),
            "-D output.overwrite=yes please: output.overwrite: expected true or false, got 'yes "
            "please'");
}

TEST_F(JobConfigTest, ReadsTheOutputFormatTextByDefault) {
  EXPECT_EQ(LoadJobConfig(Write("job.yaml", kMinimal)).output_format, "text");
  EXPECT_EQ(LoadJobConfig(Write("job.yaml",
                                "job: wordcount\n"
                                "output:\n"
                                "  dir: out/wc\n"
                                "  format: jsonl\n"
                                "input:\n"
                                "  paths: data/*.txt\n"))
                .output_format,
            "jsonl");
  EXPECT_EQ(LoadJobConfig(Write("job.yaml", kMinimal), {"output.format=text"}).output_format,
            "text");
}

TEST_F(JobConfigTest, RefusesAnUnknownOutputFormatNamingTheChoices) {
  EXPECT_EQ(ErrorOfText("job: wordcount\n"
                        "output:\n"
                        "  dir: out/wc\n"
                        "  format: csv\n"
                        "input:\n"
                        "  paths: data/*.txt\n"),
            "job.yaml:4:11: output.format: expected 'text', 'jsonl' or 'raw', got 'csv'");
  EXPECT_EQ(ErrorOfText(kMinimal, {"output.format=JSON"}),
            "-D output.format=JSON: output.format: expected 'text', 'jsonl' or 'raw', got 'JSON'");
  EXPECT_EQ(ErrorOfText(std::string(kMinimal), {"output.format=[text]"}),
            "-D output.format=[text]: output.format: expected 'text', 'jsonl' or 'raw', got a list");
}

TEST_F(JobConfigTest, ReadsThePlotFormatPngByDefault) {
  EXPECT_EQ(LoadJobConfig(Write("job.yaml", kMinimal)).plots, report::PlotFormat::kPng);
  EXPECT_EQ(LoadJobConfig(Write("job.yaml", kMinimal), {"output.plots=svg"}).plots,
            report::PlotFormat::kSvg);
  EXPECT_EQ(LoadJobConfig(Write("job.yaml", kMinimal), {"output.plots=png"}).plots,
            report::PlotFormat::kPng);
}

TEST_F(JobConfigTest, RefusesAnUnknownPlotFormatNamingTheChoices) {
  EXPECT_EQ(ErrorOfText("job: wordcount\n"
                        "output:\n"
                        "  dir: out/wc\n"
                        "  plots: pdf\n"
                        "input:\n"
                        "  paths: data/*.txt\n"),
            "job.yaml:4:10: output.plots: expected 'png' or 'svg', got 'pdf'");
  EXPECT_EQ(ErrorOfText(kMinimal, {"output.plots=SVG"}),
            "-D output.plots=SVG: output.plots: expected 'png' or 'svg', got 'SVG'");
  EXPECT_EQ(ErrorOfText(kMinimal, {"output.plots=[svg]"}),
            "-D output.plots=[svg]: output.plots: expected 'png' or 'svg', got a list");
}

TEST_F(JobConfigTest, ThePlotFormatOfAnEffectiveConfigurationIsPngWhenItHasNone) {
  EXPECT_EQ(PlotsOfEffectiveYaml("job: wordcount\noutput: {dir: /out}\n", "job.json"),
            report::PlotFormat::kPng);
  EXPECT_EQ(PlotsOfEffectiveYaml("job: wordcount\n", "job.json"), report::PlotFormat::kPng);
  try {
    PlotsOfEffectiveYaml("job: wordcount\noutput:\n  plots: gif\n", "out/job.json");
    ADD_FAILURE() << "gif was taken";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "out/job.json:3:10: output.plots: expected 'png' or 'svg', got 'gif'");
  }
  EXPECT_THROW(PlotsOfEffectiveYaml("output: [", "out/job.json"), ConfigError);
}

TEST_F(JobConfigTest, ReadsTheFailureSettings) {
  const JobConfig config = LoadJobConfig(
      Write("job.yaml", std::string(kMinimal) +
                            "cluster: {heartbeat_interval: 200ms, worker_timeout: 2s, "
                            "fetch_timeout: 1m}\n"
                            "tasks: {max_attempts: 2, max_failures_per_worker: 5, "
                            "speculation: false}\n"));
  EXPECT_EQ(config.heartbeat_interval, std::chrono::milliseconds(200));
  EXPECT_EQ(config.worker_timeout, std::chrono::seconds(2));
  EXPECT_EQ(config.fetch_timeout, std::chrono::minutes(1));
  EXPECT_EQ(config.max_attempts, 2);
  EXPECT_EQ(config.max_failures_per_worker, 5);
  EXPECT_FALSE(config.speculation);
}

TEST_F(JobConfigTest, RefusesBadFailureSettings) {
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "cluster: {worker_timeout: 10}\n"),
            "job.yaml:6:27: cluster.worker_timeout: expected a duration such as 500ms, 10s or "
            "2m, got '10'");
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) +
                        "cluster: {heartbeat_interval: 5s, worker_timeout: 5s}\n"),
            "job.yaml:6:10: cluster.worker_timeout: must be longer than "
            "cluster.heartbeat_interval (5s)");
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "tasks: {speculation: maybe}\n"),
            "job.yaml:6:22: tasks.speculation: expected true or false, got 'maybe'");
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "tasks: {max_attempts: 0}\n"),
            "job.yaml:6:23: tasks.max_attempts: expected a whole number from 1 to 100, got '0'");
}

TEST_F(JobConfigTest, ReadsTheShuffleBudgets) {
  const JobConfig defaults = LoadJobConfig(Write("default.yaml", kMinimal));
  EXPECT_EQ(defaults.sort_buffer, 64u << 20);
  EXPECT_EQ(defaults.shuffle_buffer, 128u << 20);
  EXPECT_EQ(defaults.merge_factor, 16);
  const JobConfig config = LoadJobConfig(
      Write("job.yaml", std::string(kMinimal) +
                            "map: {sort_buffer: 1MiB}\n"
                            "reduce: {tasks: 2, shuffle_buffer: 64KiB}\n"
                            "shuffle: {merge_factor: 2}\n"),
      {"map.sort_buffer=100 MB"});
  EXPECT_EQ(config.sort_buffer, 100000000u);
  EXPECT_EQ(config.shuffle_buffer, 64u << 10);
  EXPECT_EQ(config.merge_factor, 2);
}

TEST_F(JobConfigTest, RefusesBadShuffleBudgets) {
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "map: {sort_buffer: 64k}\n"),
            "job.yaml:6:20: map.sort_buffer: expected a size such as 64MiB, 512KiB or 1GiB, got "
            "'64k'");
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "map: {sort_buffer: 1000}\n"),
            "job.yaml:6:20: map.sort_buffer: must be from 64KiB to 64GiB, got '1000' (1000 B)");
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "reduce:\n  shuffle_buffer: 65TiB\n"),
            "job.yaml:7:19: reduce.shuffle_buffer: must be from 64KiB to 64GiB, got '65TiB' "
            "(65.0 TiB)");
  EXPECT_EQ(ErrorOfText(kMinimal, {"reduce.shuffle_buffer=[1MiB]"}),
            "-D reduce.shuffle_buffer=[1MiB]: reduce.shuffle_buffer: expected a size such as "
            "64MiB, 512KiB or 1GiB, got a list");
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "shuffle: {merge_factor: 1}\n"),
            "job.yaml:6:25: shuffle.merge_factor: expected a whole number from 2 to 1,000, got '1'");
  EXPECT_EQ(ErrorOfText(kMinimal, {"shuffle.merge_factor=1001"}),
            "-D shuffle.merge_factor=1001: shuffle.merge_factor: expected a whole number from 2 "
            "to 1,000, got '1001'");
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "shuffle: {factor: 3}\n"),
            "job.yaml:6:11: shuffle.factor: unknown key 'factor' (known: merge_factor, "
            "parallel_copies)");
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "map: 3\n"),
            "job.yaml:6:6: map: expected a mapping with sort_buffer, got '3'");
}

TEST_F(JobConfigTest, EffectiveYamlNamesTheFileAndOverridesAndShowsTheirValues) {
  const JobConfig config = LoadJobConfig(Write("job.yaml", kMinimal), {"params.n=3"});
  EXPECT_EQ(config.effective_yaml,
            "# Effective configuration of job.yaml\n"
            "#   -D params.n=3\n"
            "job: wordcount\n"
            "params:\n"
            "  n: 3\n"
            "input:\n"
            "  paths:\n"
            "    - " +
                dir_ +
                "/data/*.txt\n"
                "  split_size: file\n"
                "map:\n"
                "  sort_buffer: 64MiB\n"
                "reduce:\n"
                "  tasks: 1\n"
                "  shuffle_buffer: 128MiB\n"
                "shuffle:\n"
                "  merge_factor: 16\n"
                "  parallel_copies: 5\n"
                "output:\n"
                "  dir: " +
                dir_ +
                "/out/wc\n"
                "  format: text\n"
                "  overwrite: false\n"
                "  plots: png\n"
                "cluster:\n"
                "  launcher: local\n"
                "  workers: 2\n"
                "  heartbeat_interval: 1s\n"
                "  worker_timeout: 10s\n"
                "  fetch_timeout: 10s\n"
                "tasks:\n"
                "  max_attempts: 4\n"
                "  max_failures_per_worker: 3\n"
                "  speculation: true\n");
}

TEST_F(JobConfigTest, ReadsAndChecksTheParallelCopies) {
  EXPECT_EQ(LoadJobConfig(Write("job.yaml", kMinimal)).parallel_copies, 5);
  const JobConfig config = LoadJobConfig(
      Write("job.yaml", std::string(kMinimal) + "shuffle: {parallel_copies: 12}\n"));
  EXPECT_EQ(config.parallel_copies, 12);
  EXPECT_EQ(LoadJobConfig(Write("effective.yaml", config.effective_yaml)).parallel_copies, 12);
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "shuffle: {parallel_copies: 0}\n"),
            "job.yaml:6:28: shuffle.parallel_copies: expected a whole number from 1 to 100, got "
            "'0'");
  EXPECT_EQ(ErrorOfText(std::string(kMinimal), {"shuffle.parallel_copies=many"}),
            "-D shuffle.parallel_copies=many: shuffle.parallel_copies: expected a whole number "
            "from 1 to 100, got 'many'");
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "shuffle: {copies: 2}\n"),
            "job.yaml:6:11: shuffle.copies: unknown key 'copies' (known: merge_factor, "
            "parallel_copies)");
}

// --- Errors in the file ------------------------------------------------------------------------

TEST_F(JobConfigTest, MissingFileIsNamed) {
  EXPECT_EQ(ErrorOf("configs/nope.yaml"),
            "configs/nope.yaml: cannot open the job file: No such file or directory");
}

TEST_F(JobConfigTest, DirectoryIsNotAJobFile) {
  fs::create_directory("configs");
  EXPECT_EQ(ErrorOf("configs"), "configs: cannot read the job file: Is a directory");
}

TEST_F(JobConfigTest, MalformedYamlNamesYamlCppsLineAndColumn) {
  EXPECT_EQ(ErrorOfText("job: wordcount\n"
                        "input:\n"
                        "  paths: a\n"
                        "   split_size: file\n"),
            "job.yaml:4:14: malformed YAML: illegal map value");
}

TEST_F(JobConfigTest, UnknownTopLevelKeyListsTheKnownKeys) {
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "inptu: {paths: a}\n"),
            std::string("job.yaml:6:1: inptu: unknown key 'inptu'; did you mean 'input'? ") +
                kKnownTopKeys);
}

TEST_F(JobConfigTest, UnknownNestedKeyListsItsSectionsKeys) {
  EXPECT_EQ(ErrorOfText("job: wordcount\n"
                        "input:\n"
                        "  pahts: a\n"
                        "output: {dir: out}\n"),
            "job.yaml:3:3: input.pahts: unknown key 'pahts'; did you mean 'paths'? (known: paths, "
            "split_size, generate)");
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "cluster: {launcher: local, nodes: 3}\n"),
            "job.yaml:6:28: cluster.nodes: unknown key 'nodes' (known: launcher, workers, "
            "heartbeat_interval, worker_timeout, fetch_timeout)");
}

TEST_F(JobConfigTest, AnyNameGoesUnderParamsAndGenerate) {
  const JobConfig config = LoadJobConfig(Write(
      "job.yaml", std::string(kMinimal) + "  generate: {whatever: 1}\nparams: {anything: x}\n"));
  EXPECT_EQ(config.generate.at("whatever"), "1");
  EXPECT_EQ(config.params.at("anything"), "x");
}

TEST_F(JobConfigTest, MissingJobIsReported) {
  EXPECT_EQ(ErrorOfText("input: {paths: a}\n"
                        "output: {dir: out}\n"),
            "job.yaml:1:1: job: required key is missing (the job's name)");
}

TEST_F(JobConfigTest, EmptyJobIsRejected) {
  EXPECT_EQ(ErrorOfText("job: ''\n"
                        "input: {paths: a}\n"
                        "output: {dir: out}\n"),
            "job.yaml:1:6: job: expected the job's name, got ''");
}

TEST_F(JobConfigTest, EmptyValueIsReportedAtItsKey) {
  EXPECT_EQ(ErrorOfText("job:\n"
                        "input: {paths: a}\n"
                        "output: {dir: out}\n"),
            "job.yaml:1:1: job: expected the job's name, got nothing");
}

TEST_F(JobConfigTest, EmptyFileLacksAJob) {
  EXPECT_EQ(ErrorOfText("# nothing yet\n"),
            "job.yaml:1:1: job: required key is missing (the job's name)");
}

TEST_F(JobConfigTest, MissingInputPathsIsReported) {
  EXPECT_EQ(ErrorOfText("job: wordcount\n"
                        "input:\n"
                        "  split_size: file\n"
                        "output: {dir: out}\n"),
            "job.yaml:3:3: input.paths: required key is missing (the input files: a path, a glob "
            "or a list of them)");
}

TEST_F(JobConfigTest, MissingOutputSectionIsReportedAsItsDir) {
  EXPECT_EQ(ErrorOfText("job: wordcount\n"
                        "input: {paths: a}\n"),
            "job.yaml:1:1: output.dir: required key is missing (the directory for the job's "
            "output)");
}

TEST_F(JobConfigTest, NonIntegerTasksNamesLineAndKey) {
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "reduce:\n  tasks: two\n"),
            "job.yaml:7:10: reduce.tasks: expected a whole number from 1 to 10,000, got 'two'");
}

TEST_F(JobConfigTest, IntegersMustBeWholeAndPositive) {
  for (const char* value : {"2.5", "1e3", "-1", "0", "+2", "0x10", "''", "10001", "99999999999"}) {
    SCOPED_TRACE(value);
    const std::string shown = std::string(value) == "''" ? "" : value;
    EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "cluster:\n  workers: " + value + "\n"),
              "job.yaml:7:12: cluster.workers: expected a whole number from 1 to 10,000, got '" +
                  shown + "'");
  }
}

TEST_F(JobConfigTest, IntegerLimitsAreAccepted) {
  const JobConfig config = LoadJobConfig(
      Write("job.yaml", std::string(kMinimal) + "reduce: {tasks: 10000}\ncluster: {workers: 1}\n"));
  EXPECT_EQ(config.reduce_tasks, 10000);
  EXPECT_EQ(config.workers, 1);
}

TEST_F(JobConfigTest, ListWhereIntegerExpectedIsReported) {
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "reduce: {tasks: [1, 2]}\n"),
            "job.yaml:6:17: reduce.tasks: expected a whole number from 1 to 10,000, got a list");
}

TEST_F(JobConfigTest, UnknownLauncherIsRejected) {
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "cluster:\n  launcher: slurm\n"),
            "job.yaml:7:13: cluster.launcher: expected 'local' or 'sge', got 'slurm'");
}

TEST_F(JobConfigTest, GarbageSplitSizeIsRejected) {
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "  split_size: 8 MiBs\n"),
            "job.yaml:6:15: input.split_size: expected 'file' or a size such as 8MiB, 64KiB, "
            "1GiB, 10MB or 1000000, got '8 MiBs'");
}

TEST_F(JobConfigTest, ZeroSplitSizeIsRejected) {
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "  split_size: 0KiB\n"),
            "job.yaml:6:15: input.split_size: must be more than 0 bytes (write 'file' for one "
            "split per file)");
}

TEST_F(JobConfigTest, NonScalarParamIsRejected) {
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "params:\n  n: 2\n  list: [1, 2]\n"),
            "job.yaml:8:9: params.list: expected a single value (a number, word or string), got "
            "a list");
}

TEST_F(JobConfigTest, NullParamIsRejectedWithAHint) {
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "params:\n  mode: null\n"),
            "job.yaml:7:9: params.mode: expected a value, got nothing (quote it, as '' or 'null', "
            "if you mean that text)");
}

TEST_F(JobConfigTest, NonScalarGenerateValueIsRejected) {
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "  generate: {digits: {a: 1}}\n"),
            "job.yaml:6:22: input.generate.digits: expected a single value (a number, word or "
            "string), got a mapping");
}

TEST_F(JobConfigTest, InputPathsMustBeAPathOrAList) {
  EXPECT_EQ(ErrorOfText("job: wordcount\n"
                        "input:\n"
                        "  paths: {a: 1}\n"
                        "output: {dir: out}\n"),
            "job.yaml:3:10: input.paths: expected a path or glob, or a list of them, got a "
            "mapping");
}

TEST_F(JobConfigTest, EmptyInputPathsListIsRejected) {
  EXPECT_EQ(ErrorOfText("job: wordcount\n"
                        "input: {paths: []}\n"
                        "output: {dir: out}\n"),
            "job.yaml:2:16: input.paths: expected at least one path");
}

TEST_F(JobConfigTest, BadInputPathsItemIsNamedByIndex) {
  EXPECT_EQ(ErrorOfText("job: wordcount\n"
                        "input:\n"
                        "  paths:\n"
                        "    - a\n"
                        "    - [b]\n"
                        "output: {dir: out}\n"),
            "job.yaml:5:7: input.paths[1]: expected a path or glob, got a list");
}

TEST_F(JobConfigTest, SectionThatIsNotAMappingIsRejected) {
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "reduce: 3\n"),
            "job.yaml:6:9: reduce: expected a mapping with tasks, shuffle_buffer, got '3'");
}

TEST_F(JobConfigTest, DuplicateKeyIsRejected) {
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "reduce:\n  tasks: 2\n  tasks: 3\n"),
            "job.yaml:8:3: reduce.tasks: duplicate key (first at job.yaml:7:3)");
}

TEST_F(JobConfigTest, TopLevelMustBeAMapping) {
  EXPECT_EQ(ErrorOfText("- job: wordcount\n"),
            "job.yaml:1:1: expected a mapping of keys (job, input, output, ...) at the top level, "
            "got a list");
}

TEST_F(JobConfigTest, OnlyOneDocumentIsAllowed) {
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "---\njob: other\n"),
            "job.yaml:7:1: expected one YAML document, found 2 (remove the '---' separators)");
}

TEST_F(JobConfigTest, StrayCommaIsMalformedYaml) {
  // yaml-cpp 0.7's LoadAll loops for ever on this, filling memory.
  EXPECT_EQ(ErrorOfText(","), "job.yaml:1:1: malformed YAML: unexpected ','");
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "---\n,\n"),
            "job.yaml:7:1: malformed YAML: unexpected ','");
}

TEST_F(JobConfigTest, SelfReferentialAliasIsRejected) {
  const std::string message = ErrorOfText(std::string(kMinimal) + "params: &p {a: *p}\n");
  EXPECT_NE(message.find("job.yaml:6:"), std::string::npos) << message;
  EXPECT_NE(message.find("nested more than 64 levels deep"), std::string::npos) << message;
}

// Aliases nested five deep of ten each: `ten` ten times over, then that ten times, and so on.
std::string NestedAliases(const std::string& value) {
  std::string text = "a: &a " + value + "\n";
  std::string previous = "a";
  for (const std::string name : {"b", "c", "d", "e", "f"}) {
    text += name + ": &" + name + " [*" + previous;
    for (int i = 1; i < 10; ++i) text += ", *" + previous;
    text += "]\n";
    previous = name;
  }
  return text;
}

TEST_F(JobConfigTest, AliasRepeatingALongValueIsRejectedBeforeItFillsMemory) {
  // 100,000 copies of 200 KB would be 20 GB: refused at the sixth copy, past 1 MiB.
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) +
                        NestedAliases("\"" + std::string(200000, 'v') + "\"")),
            "job.yaml:7:28: b[5]: aliases repeat more than 1.0 MiB of keys and values in all; is "
            "an alias repeating a long value?");
}

TEST_F(JobConfigTest, AliasesExpandingExponentiallyAreRejectedWhereTheyPassTheBound) {
  // 11 nodes in `a`, 111 in `b`, 1,111 in `c`: the eighth `*c` brings the aliases past 10,000.
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + NestedAliases("[x, x, x, x, x, x, x, x, x, x]")),
            "job.yaml:9:36: d[7]: aliases repeat more than 10000 nodes in all; is an alias "
            "expanding itself?");
  EXPECT_EQ(ErrorOfText(std::string(kMinimal) + "params:\n  list: &l [x, x, x, x, x, x, x, x, x]\n"
                        "  more: {deeper: [&m [*l, *l, *l, *l, *l, *l, *l, *l, *l, *l],"
                        " &n [*m, *m, *m, *m, *m, *m, *m, *m, *m, *m],"
                        " [*n, *n, *n, *n, *n, *n, *n, *n, *n, *n]]}\n"),
            "job.yaml:8:142: params.more.deeper[2][8]: aliases repeat more than 10000 nodes in "
            "all; is an alias expanding itself?");
  const std::string bomb =
      "[&a [x, x, x, x, x, x, x, x, x, x], &b [*a, *a, *a, *a, *a, *a, *a, *a, "
      "*a, *a], &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b], [*c, *c, *c, "
      "*c, *c, *c, *c, *c, *c, *c]]";
  EXPECT_EQ(ErrorOfText(kMinimal, {"params.x=" + bomb}),
            "-D params.x=" + bomb + ": params.x[3][7]: aliases repeat more than 10000 nodes in "
            "all; is an alias expanding itself?");
}

TEST_F(JobConfigTest, AliasesThatRepeatAFewValuesAreRead) {
  const JobConfig config = LoadJobConfig(Write(
      "job.yaml", "job: wordcount\noutput: {dir: &d out/wc}\ninput:\n  paths: &p data/*.txt\n"
                  "params: {glob: *p, where: *d}\n"));
  EXPECT_EQ(config.params.at("glob"), "data/*.txt");
  EXPECT_EQ(config.params.at("where"), "out/wc");
}

// --- Errors in overrides -----------------------------------------------------------------------

TEST_F(JobConfigTest, OverrideWithoutEqualsIsRejected) {
  Write("job.yaml", kMinimal);
  EXPECT_EQ(ErrorOf("job.yaml", {"params.n"}), "-D params.n: expected key.path=value");
}

TEST_F(JobConfigTest, OverrideWithAnEmptyNameIsRejected) {
  Write("job.yaml", kMinimal);
  for (const char* text : {"=3", "params..n=3", ".n=3", "params.=3"}) {
    EXPECT_EQ(ErrorOf("job.yaml", {text}),
              "-D " + std::string(text) + ": expected key.path=value with a name between the dots");
  }
}

TEST_F(JobConfigTest, OverrideNamingAnUnknownKeyIsRejected) {
  Write("job.yaml", kMinimal);
  EXPECT_EQ(ErrorOf("job.yaml", {"inptu.paths=x"}),
            std::string("-D inptu.paths=x: inptu: unknown key 'inptu'; did you mean 'input'? ") +
                kKnownTopKeys);
  EXPECT_EQ(
      ErrorOf("job.yaml", {"reduce.taks=3"}),
      "-D reduce.taks=3: reduce.taks: unknown key 'taks'; did you mean 'tasks'? (known: tasks, "
            "shuffle_buffer)");
}

TEST_F(JobConfigTest, BadOverriddenValueNamesTheOverrideNotTheFile) {
  Write("job.yaml", std::string(kMinimal) + "reduce:\n  tasks: 2\n");
  EXPECT_EQ(
      ErrorOf("job.yaml", {"reduce.tasks=two"}),
      "-D reduce.tasks=two: reduce.tasks: expected a whole number from 1 to 10,000, got 'two'");
}

TEST_F(JobConfigTest, BadItemInOverriddenListNamesTheOverride) {
  Write("job.yaml", kMinimal);
  EXPECT_EQ(ErrorOf("job.yaml", {"input.paths=[a, {b: 1}]"}),
            "-D input.paths=[a, {b: 1}]: input.paths[1]: expected a path or glob, got a mapping");
}

TEST_F(JobConfigTest, MalformedOverrideValueIsRejected) {
  Write("job.yaml", kMinimal);
  EXPECT_EQ(ErrorOf("job.yaml", {"input.paths=[a, b"}),
            "-D input.paths=[a, b: input.paths: malformed YAML value: end of sequence flow not "
            "found");
}

TEST_F(JobConfigTest, EmptyOverrideValueIsNothing) {
  Write("job.yaml", kMinimal);
  EXPECT_EQ(ErrorOf("job.yaml", {"params.n="}),
            "-D params.n=: params.n: expected a value, got nothing (quote it, as '' or 'null', if "
            "you mean that text)");
}

// --- Expanding input paths ---------------------------------------------------------------------

class ExpandInputPathsTest : public JobConfigTest {
 protected:
  // Loads a minimal file whose input.paths is `paths` (YAML).
  static JobConfig ConfigWithPaths(const std::string& paths) {
    return LoadJobConfig(Write("job.yaml",
                               "job: wordcount\n"
                               "input:\n"
                               "  paths: " +
                                   paths +
                                   "\n"
                                   "output: {dir: out}\n"));
  }
  static void Touch(const std::string& name) { Write(name, "x\n"); }
  // The message ExpandInputPaths refuses `paths` with, or "(no error)".
  static std::string ExpansionError(const std::string& paths) {
    try {
      ExpandInputPaths(ConfigWithPaths(paths));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "(no error)";
  }
};

TEST_F(ExpandInputPathsTest, SortsEachPatternsMatchesAndKeepsPatternOrder) {
  for (const char* name : {"b/2.txt", "b/10.txt", "b/1.txt", "a/z.txt", "a/y.txt"}) Touch(name);
  EXPECT_EQ(ExpandInputPaths(ConfigWithPaths("[b/*.txt, a/*.txt]")),
            (std::vector<std::string>{dir_ + "/b/1.txt", dir_ + "/b/10.txt", dir_ + "/b/2.txt",
                                      dir_ + "/a/y.txt", dir_ + "/a/z.txt"}));
}

TEST_F(ExpandInputPathsTest, DropsDuplicatesKeepingTheFirst) {
  for (const char* name : {"d/a.txt", "d/b.txt", "d/c.txt"}) Touch(name);
  EXPECT_EQ(ExpandInputPaths(ConfigWithPaths("[d/c.txt, d/*.txt, d/a.txt]")),
            (std::vector<std::string>{dir_ + "/d/c.txt", dir_ + "/d/a.txt", dir_ + "/d/b.txt"}));
}

TEST_F(ExpandInputPathsTest, KeepsOnlyRegularFiles) {
  Touch("d/a.txt");
  fs::create_directories("d/sub.txt");
  EXPECT_EQ(ExpandInputPaths(ConfigWithPaths("d/*.txt")),
            std::vector<std::string>{dir_ + "/d/a.txt"});
}

TEST_F(ExpandInputPathsTest, ALiteralPathMatchesItself) {
  Touch("data.txt");
  EXPECT_EQ(ExpandInputPaths(ConfigWithPaths("data.txt")),
            std::vector<std::string>{dir_ + "/data.txt"});
}

TEST_F(ExpandInputPathsTest, PatternMatchingNothingNamesItsLineAndThePattern) {
  Touch("d/a.txt");
  const JobConfig config = ConfigWithPaths("\n    - d/*.txt\n    - d/*.csv");
  try {
    ExpandInputPaths(config);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "job.yaml:5:7: input.paths: no file matches '" + dir_ + "/d/*.csv'");
  }
}

TEST_F(ExpandInputPathsTest, PatternInAMissingDirectoryMatchesNothing) {
  const JobConfig config = ConfigWithPaths("nodir/*.txt");
  try {
    ExpandInputPaths(config);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "job.yaml:3:10: input.paths: no file matches '" + dir_ + "/nodir/*.txt'");
  }
}

TEST_F(ExpandInputPathsTest, PatternMatchingOnlyDirectoriesIsReported) {
  fs::create_directories("d/sub");
  const JobConfig config = ConfigWithPaths("d/*");
  try {
    ExpandInputPaths(config);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "job.yaml:3:10: input.paths: '" + dir_ +
                                         "/d/*' matches no regular file, only directories or "
                                         "others");
  }
}

// A link left dangling by data that moved is named, not passed over: passed over, the job ran
// on the rest of its input and said nothing.
TEST_F(ExpandInputPathsTest, ABrokenLinkAmongTheMatchesIsNamed) {
  fs::create_directories("d");
  std::ofstream("d/a.txt") << "a\n";
  fs::create_symlink("/nonexistent/b.txt", "d/b.txt");
  EXPECT_EQ(ExpansionError("d/*.txt"), "job.yaml:3:10: input.paths: '" + dir_ +
                                           "/d/b.txt', which '" + dir_ +
                                           "/d/*.txt' matches, is a broken symbolic link (to "
                                           "/nonexistent/b.txt)");
}

// A named pipe (or a link to a device) among the matches is named, not passed over.
TEST_F(ExpandInputPathsTest, APipeOrADeviceAmongTheMatchesIsNamed) {
  fs::create_directories("d/sub");  // a directory: passed over
  std::ofstream("d/a.txt") << "a\n";
  ASSERT_EQ(::mkfifo("d/p.txt", 0600), 0);
  EXPECT_EQ(ExpansionError("d/*"), "job.yaml:3:10: input.paths: '" + dir_ + "/d/p.txt', which '" +
                                       dir_ +
                                       "/d/*' matches, is a named pipe: minimr reads regular "
                                       "files only (their size is known when the job begins)");
  fs::remove("d/p.txt");
  fs::create_symlink("/dev/zero", "d/z.txt");
  const std::string device = ExpansionError("d/*");
  EXPECT_NE(device.find("/d/z.txt', which '" + dir_ + "/d/*' matches, is a device"),
            std::string::npos)
      << device;
  fs::remove("d/z.txt");
  EXPECT_EQ(ExpandInputPaths(ConfigWithPaths("d/*")).size(), 1u);
}

TEST_F(ExpandInputPathsTest, NoMatchFromAnOverrideNamesTheOverride) {
  const JobConfig config =
      LoadJobConfig(Write("job.yaml", kMinimal), {"input.paths=[missing.txt]"});
  try {
    ExpandInputPaths(config);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(
        std::string(e.what()),
        "-D input.paths=[missing.txt]: input.paths: no file matches '" + dir_ + "/missing.txt'");
  }
}

TEST_F(ExpandInputPathsTest, AllowEmptyReturnsWhatMatched) {
  Touch("d/a.txt");
  EXPECT_EQ(ExpandInputPaths(ConfigWithPaths("[d/*.csv, d/*.txt, nodir/*]"), /*allow_empty=*/true),
            std::vector<std::string>{dir_ + "/d/a.txt"});
}

}  // namespace
}  // namespace minimr::config
