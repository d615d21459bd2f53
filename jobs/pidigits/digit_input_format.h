// The pi job's input: digit text cut into byte-range splits, read in large pieces, and past each
// split's end up to its (n-1)th following digit, so that the n-digit sequences starting in the
// split can be finished. With params.continuous (the default) the input files form one stream
// and the overlap runs on into the next files; without it, each file ends its own stream.
#pragma once

#include "minimr/input.h"

namespace minimr::pidigits {

class DigitInputFormat : public OverlapInputFormat {
 public:
  std::unique_ptr<OverlapRule> Overlap(TaskContext& context) override;
  bool Continuous(TaskContext& context) override;
};

}  // namespace minimr::pidigits
