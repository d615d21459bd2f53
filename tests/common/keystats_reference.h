// keystats the plain way, for tests to compare the job with: per key the count, mean, minimum
// and maximum of the values in "KEY VALUE" files, and the job's output text read back.
#pragma once

#include <charconv>
#include <cstdint>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace minimr::keystats_reference {

// count, mean, min, max.
using Summary = std::tuple<int64_t, double, double, double>;
using Table = std::map<std::string, Summary>;

// Reads the files with iostreams, one line at a time, and sums in file order.
inline Table Compute(const std::vector<std::string>& paths) {
  struct Sums {
    int64_t count = 0;
    double sum = 0;
    double min = std::numeric_limits<double>::infinity();
    double max = -std::numeric_limits<double>::infinity();
  };
  std::map<std::string, Sums> sums;
  for (const std::string& path : paths) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot open");
    std::string key;
    double value;
    while (in >> key >> value) {
      Sums& s = sums[key];
      ++s.count;
      s.sum += value;
      if (value < s.min) s.min = value;
      if (value > s.max) s.max = value;
    }
  }
  Table table;
  for (const auto& [key, s] : sums) {
    table[key] = {s.count, s.sum / static_cast<double>(s.count), s.min, s.max};
  }
  return table;
}

// Parses "KEY<TAB>count mean min max" lines. Throws std::runtime_error for a line
// that is not one, or a key seen twice.
inline Table Parse(const std::string& text) {
  Table table;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> columns;
    size_t tab = line.find('\t');
    if (tab != std::string::npos) {
      columns.push_back(line.substr(0, tab));
      std::istringstream fields(line.substr(tab + 1));
      for (std::string column; std::getline(fields, column, ' ');) columns.push_back(column);
    }
    if (columns.size() != 5) throw std::runtime_error("not a keystats line: " + line);
    Summary summary;
    auto& [count, mean, min, max] = summary;
    auto read = [&](const std::string& column, auto* value) {
      auto [end, ec] = std::from_chars(column.data(), column.data() + column.size(), *value);
      if (ec != std::errc() || end != column.data() + column.size()) {
        throw std::runtime_error("not a number: '" + column + "' in " + line);
      }
    };
    read(columns[1], &count);
    read(columns[2], &mean);
    read(columns[3], &min);
    read(columns[4], &max);
    if (!table.emplace(columns[0], summary).second) {
      throw std::runtime_error("key twice in the output: " + columns[0]);
    }
  }
  return table;
}

}  // namespace minimr::keystats_reference
