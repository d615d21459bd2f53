#include "framework/src/util/random_bytes.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace minimr {

void FillRandom(void* bytes, size_t count) {
  auto* out = static_cast<unsigned char*>(bytes);
  size_t got = 0;
  while (got < count) {
    // Blocks only until the kernel's generator is first seeded, early in boot.
    const ssize_t n = ::getrandom(out + got, count - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(std::string("getrandom: ") + std::strerror(errno));
    got += static_cast<size_t>(n);
  }
}

}  // namespace minimr
