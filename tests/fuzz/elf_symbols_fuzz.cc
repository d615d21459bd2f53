// Fuzz target: plugin::ExportedSymbols, the ELF reader that inspects a plugin before it is
// loaded, over arbitrary bytes (libFuzzer's buffer is exactly the input, so AddressSanitizer sees
// any read past the image).
//   It returns or throws ElfError (anything else escapes and is a finding), and every name it
//   returns is a NUL-free string that the image holds.
#include <string.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "framework/src/plugin/elf_symbols.h"
#include "tests/fuzz/finding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view image(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> names;
  try {
    names = minimr::plugin::ExportedSymbols(image);
  } catch (const minimr::plugin::ElfError&) {
    return 0;
  }
  for (const std::string& name : names) {
    MINIMR_FUZZ_CHECK(name.find('\0') == std::string::npos, "a symbol's name holds no NUL");
    MINIMR_FUZZ_CHECK(memmem(data, size, name.data(), name.size()) != nullptr,
                      "a symbol's name is read from the image");
  }
  return 0;
}
