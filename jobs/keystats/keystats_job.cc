// keystats: for each key, how many values it has and their mean, minimum and maximum. Input
// lines are "KEY VALUE" (whitespace between; the value a number), output lines
// "KEY<TAB>count mean min max". Written against the typed API: the framework parses
// the lines, and encodes the partial statistics that the combiner merges on the map side.
// A NaN value makes its key's mean nan; the minimum and maximum ignore it, and are nan when all of
// the key's values are.

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>

#include "minimr/job.h"
#include "minimr/typed.h"

namespace {

using Line = minimr::Fields<std::string_view, double>;
// What the map side knows of a key's values: count, sum, the sum scaled down by 2^kScale (for a
// mean whose sum overflows: two values of 1e308), min, max.
using Partial = std::tuple<int64_t, double, double, double, double>;
constexpr int kScale = 64;
// The output: count, mean, min, max.
using Summary = std::tuple<int64_t, double, double, double>;

class StatsMapper : public minimr::TypedMapper<Line, std::string_view, Partial> {
 public:
  void Map(const Line& line, Out& out) override {
    const auto& [key, value] = line;
    out.Emit(key, Partial{1, value, std::ldexp(value, -kScale), value, value});
  }
};

Partial Merge(minimr::TypedValues<Partial>& values) {
  Partial total{0, 0.0, 0.0, std::numeric_limits<double>::infinity(),
                -std::numeric_limits<double>::infinity()};
  auto& [count, sum, scaled, min, max] = total;
  for (auto [n, s, s_scaled, lo, hi] : values) {
    count += n;
    sum += s;
    scaled += s_scaled;
    min = std::fmin(min, lo);
    max = std::fmax(max, hi);
  }
  return total;
}

class StatsCombiner : public minimr::TypedCombiner<std::string_view, Partial> {
 public:
  void Reduce(const std::string_view& key, Values& values, Out& out) override {
    out.Emit(key, Merge(values));
  }
};

class StatsReducer
    : public minimr::TypedReducer<std::string_view, Partial, std::string_view, Summary> {
 public:
  void Reduce(const std::string_view& key, Values& values, Out& out) override {
    auto [count, sum, scaled, min, max] = Merge(values);
    if (min > max) min = max = std::numeric_limits<double>::quiet_NaN();  // only NaNs: none seen
    double mean = sum / static_cast<double>(count);
    // A sum past the largest double of values that are not: the mean from the scaled sum.
    // (Map tasks' sums of inf and -inf add up to nan.)
    if (!std::isfinite(sum) && std::isfinite(min) && std::isfinite(max)) {
      mean = std::ldexp(scaled / static_cast<double>(count), kScale);
    }
    out.Emit(key, Summary{count, mean, min, max});
  }
};

// input.generate: {lines: N, keys: K, files: F, seed: S}: F files keystats-NN.txt of N lines in
// all, "key-NNNN VALUE" with K keys of different frequencies and integer values around a mean
// of their own.
struct GenerateSpec {
  int64_t lines, keys, files, seed;
};

GenerateSpec ReadGenerateSpec(const minimr::Params& spec) {
  for (const auto& [name, value] : spec.values()) {
    if (name != "lines" && name != "keys" && name != "files" && name != "seed") {
      throw minimr::ParamError("input.generate." + name +
                               ": the keystats generator takes lines, keys, files and seed");
    }
  }
  // Checked as params are, but named as what they are: input.generate.*.
  auto number = [&](const std::string& name, int64_t fallback, int64_t low, int64_t high) {
    try {
      return spec.GetInt(name, fallback, low, high);
    } catch (const minimr::ParamError& e) {
      throw minimr::ParamError("input.generate" + std::string(e.what()).substr(6));
    }
  };
  return {number("lines", 100000, 1, 1'000'000'000), number("keys", 50, 1, 9999),
          number("files", 2, 1, 99), number("seed", 1, INT64_MIN, INT64_MAX)};
}

std::string FileName(int64_t index) {
  char name[32];
  std::snprintf(name, sizeof name, "keystats-%02d.txt", static_cast<int>(index));
  return name;
}

std::vector<std::string> GeneratedFiles(const minimr::Params& spec) {
  const GenerateSpec s = ReadGenerateSpec(spec);
  std::vector<std::string> names;
  for (int64_t f = 0; f < s.files; ++f) names.push_back(FileName(f));
  return names;
}

void Generate(const minimr::Params& spec, const std::string& directory, std::ostream& progress) {
  const auto [lines, keys, files, seed] = ReadGenerateSpec(spec);
  namespace fs = std::filesystem;
  const fs::path dir(directory);
  std::mt19937_64 random(static_cast<uint64_t>(seed));
  for (int64_t f = 0; f < files; ++f) {
    const std::string name = FileName(f);
    std::ofstream out(dir / name);
    int64_t count = lines / files + (f < lines % files ? 1 : 0);
    for (int64_t i = 0; i < count; ++i) {
      // Key k with probability (2k + 1) / keys^2: frequent and rare keys.
      uint64_t draw = random() % static_cast<uint64_t>(keys * keys);
      auto key = static_cast<int64_t>(std::sqrt(static_cast<double>(draw)));
      if (key >= keys) key = keys - 1;
      int64_t value = key * 10 - 500 + static_cast<int64_t>(random() % 201) - 100;
      char text[48];
      int n = std::snprintf(text, sizeof text, "key-%04d %lld\n", static_cast<int>(key),
                            static_cast<long long>(value));
      out.write(text, n);
    }
    out.close();
    if (!out) {
      throw std::runtime_error((dir / name).string() + ": cannot write: " + std::strerror(errno));
    }
    progress << "  " << name << ": " << count << " lines\n";
  }
}

minimr::JobDefinition Definition() {
  minimr::JobDefinition job = minimr::MakeJob<StatsMapper, StatsReducer>();
  job.Combiner<StatsCombiner>().Describe(
      "count, mean, minimum and maximum of the values of each key (lines: KEY VALUE)");
  job.generate_input = Generate;
  job.generated_files = GeneratedFiles;
  return job;
}

}  // namespace

MINIMR_REGISTER_JOB(keystats, Definition());
