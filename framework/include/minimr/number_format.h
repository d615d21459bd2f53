// Numbers for people to read.
#pragma once

#include <string>

namespace minimr {

// `v` with `decimals` digits after the point and commas between groups of thousands:
// 1234567.891 -> "1,234,567.89" (decimals 2). Never "-0".
std::string WithThousands(double v, int decimals = 0);

}  // namespace minimr
