// A reducer (and combiner) for counts: values are decimal integers; emits their sum.
#pragma once

#include "minimr/job.h"

namespace minimr {

class SumReducer : public Reducer {
 public:
  // Throws std::runtime_error naming the key for a value that is not a decimal integer or a sum
  // that overflows 64 bits.
  void Reduce(std::string_view key, ValueIterator& values, Emitter& out) override;
};

}  // namespace minimr
