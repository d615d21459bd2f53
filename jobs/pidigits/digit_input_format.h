// The pi job's input: digit text cut into byte-range splits. A split's records are its own bytes
// in large pieces (key ""), then the bytes after it up to its (n-1)th following digit (key
// "lookahead"), so that the n-digit sequences starting in the split can be finished. With
// params.continuous (the default) the input files form one stream and the lookahead runs on into
// the next files; without it, each file ends its own stream.
#pragma once

#include <string_view>

#include "minimr/input.h"

namespace minimr::pidigits {

inline constexpr std::string_view kLookaheadKey = "lookahead";

class DigitInputFormat : public InputFormat {
 public:
  std::unique_ptr<RecordReader> Open(const InputFiles& files, const InputSplit& split,
                                     TaskContext& context) override;
};

}  // namespace minimr::pidigits
