#include "framework/src/util/closest_name.h"

#include <algorithm>

namespace minimr {

namespace {

// Optimal string alignment distance (Damerau-Levenshtein without repeated edits of a substring).
size_t EditDistance(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

}  // namespace

std::string ClosestName(std::string_view name, std::span<const std::string_view> known) {
  std::string_view best;
  size_t best_distance = 0;
  for (std::string_view candidate : known) {
    const size_t distance = EditDistance(name, candidate);
    const size_t longer = std::max(name.size(), candidate.size());
    if (distance == 0 || distance >= longer || distance * 3 > longer + 2) continue;
    if (best.empty() || distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return std::string(best);
}

std::string DidYouMean(std::string_view name, std::span<const std::string_view> known) {
  const std::string closest = ClosestName(name, known);
  return closest.empty() ? "" : "; did you mean '" + closest + "'?";
}

std::string DidYouMean(std::string_view name, const std::vector<std::string>& known) {
  const std::vector<std::string_view> views(known.begin(), known.end());
  return DidYouMean(name, views);
}

}  // namespace minimr
