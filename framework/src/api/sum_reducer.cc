#include "minimr/sum_reducer.h"

#include <charconv>
#include <stdexcept>
#include <string>

namespace minimr {

void SumReducer::Reduce(std::string_view key, ValueIterator& values, Emitter& out) {
  int64_t sum = 0;
  std::string_view value;
  while (values.Next(&value)) {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || end != value.data() + value.size() || value.empty()) {
      throw std::runtime_error("key '" + std::string(key) + "': the value '" + std::string(value) +
                               "' is not a decimal integer");
    }
    if (__builtin_add_overflow(sum, v, &sum)) {
      throw std::runtime_error("key '" + std::string(key) + "': the sum overflows 64 bits");
    }
  }
  char text[24];
  auto [end, ec] = std::to_chars(text, text + sizeof text, sum);
  out.Emit(key, std::string_view(text, end - text));
}

}  // namespace minimr
