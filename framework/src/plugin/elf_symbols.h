// The names a shared library exports, read from its ELF dynamic symbol table without loading it.
// (Boost.DLL's library_info returns section names instead for libraries with debug sections.)
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace minimr::plugin {

class ElfError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The defined symbols of the .dynsym table of a 64-bit little-endian ELF shared object in
// `image` (the file's bytes). Throws ElfError saying what is wrong for anything else, a
// truncated or malformed file included; never reads outside `image`.
std::vector<std::string> ExportedSymbols(std::string_view image);

}  // namespace minimr::plugin
