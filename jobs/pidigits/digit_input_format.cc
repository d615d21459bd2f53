#include "pidigits/digit_input_format.h"

#include <memory>

namespace minimr::pidigits {
namespace {

// Wants bytes up to and including the `digits`th digit.
class DigitsAfter : public OverlapRule {
 public:
  explicit DigitsAfter(int digits) : needed_(digits) {}

  size_t Take(std::string_view bytes) override {
    size_t used = 0;
    while (used < bytes.size() && needed_ > 0) {
      char c = bytes[used++];
      if (c >= '0' && c <= '9') --needed_;
    }
    return used;
  }

 private:
  int needed_;
};

}  // namespace

std::unique_ptr<OverlapRule> DigitInputFormat::Overlap(TaskContext& context) {
  int n = static_cast<int>(context.params().GetInt("n", 2));
  return n > 1 ? std::make_unique<DigitsAfter>(n - 1) : nullptr;
}

bool DigitInputFormat::Continuous(TaskContext& context) {
  return context.params().GetBool("continuous", true);
}

}  // namespace minimr::pidigits
