#include "minimr/number_format.h"

#include <algorithm>
#include <cstdio>
#include <string_view>

namespace minimr {

std::string WithThousands(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string_view s(buf);
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string_view::npos) s.remove_prefix(1);
  const size_t first = (s[0] == '-') ? 1 : 0;
  const size_t point = std::min(s.find('.'), s.size());
  std::string grouped(s.substr(0, first));
  for (size_t i = first; i < point; ++i) {
    if (i > first && (point - i) % 3 == 0) grouped += ',';
    grouped += s[i];
  }
  grouped += s.substr(point);
  return grouped;
}

}  // namespace minimr
