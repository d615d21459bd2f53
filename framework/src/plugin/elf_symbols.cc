#include "framework/src/plugin/elf_symbols.h"

#include <elf.h>

#include <cstring>

namespace minimr::plugin {
namespace {

// A copy of the T at `offset`, or ElfError if it does not lie wholly inside the image.
template <class T>
T At(std::string_view image, uint64_t offset, const char* what) {
  if (offset > image.size() || image.size() - offset < sizeof(T)) {
    throw ElfError(std::string("truncated ELF file (") + what + " lies past its end)");
  }
  T value;
  std::memcpy(&value, image.data() + offset, sizeof(T));
  return value;
}

}  // namespace

std::vector<std::string> ExportedSymbols(std::string_view image) {
  if (image.size() < 4 || std::memcmp(image.data(), ELFMAG, SELFMAG) != 0) {
    throw ElfError("not an ELF file");
  }
  auto header = At<Elf64_Ehdr>(image, 0, "the ELF header");
  if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_ident[EI_DATA] != ELFDATA2LSB) {
    throw ElfError("not a 64-bit little-endian ELF file");
  }
  if (header.e_type != ET_DYN) throw ElfError("an ELF file, but not a shared library");
  if (header.e_shentsize != sizeof(Elf64_Shdr)) throw ElfError("malformed ELF section table");

  std::vector<std::string> names;
  for (uint64_t i = 0; i < header.e_shnum; ++i) {
    auto section = At<Elf64_Shdr>(image, header.e_shoff + i * sizeof(Elf64_Shdr), "a section");
    if (section.sh_type != SHT_DYNSYM) continue;
    if (section.sh_link >= header.e_shnum) throw ElfError("malformed ELF symbol table");
    auto strings = At<Elf64_Shdr>(
        image, header.e_shoff + uint64_t(section.sh_link) * sizeof(Elf64_Shdr), "a section");
    if (strings.sh_offset > image.size() || image.size() - strings.sh_offset < strings.sh_size) {
      throw ElfError("truncated ELF file (its symbol names lie past its end)");
    }
    std::string_view table = image.substr(strings.sh_offset, strings.sh_size);
    uint64_t count = section.sh_entsize == sizeof(Elf64_Sym) ? section.sh_size / sizeof(Elf64_Sym) : 0;
    for (uint64_t s = 0; s < count; ++s) {
      auto symbol = At<Elf64_Sym>(image, section.sh_offset + s * sizeof(Elf64_Sym), "a symbol");
      if (symbol.st_shndx == SHN_UNDEF || symbol.st_name >= table.size()) continue;
      std::string_view name = table.substr(symbol.st_name);
      names.emplace_back(name.substr(0, name.find('\0')));
    }
  }
  return names;
}

}  // namespace minimr::plugin
