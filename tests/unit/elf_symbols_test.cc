#include "framework/src/plugin/elf_symbols.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>

#include "minimr/version.h"

namespace minimr::plugin {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::string Letters() { return Read(std::string(MINIMR_TEST_PLUGIN_DIR) + "/letters.so"); }

bool Has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

TEST(ElfSymbols, ListsWhatAPluginExports) {
  std::vector<std::string> names = ExportedSymbols(Letters());
  EXPECT_TRUE(Has(names, "minimr_plugin_api_v" + std::to_string(MINIMR_API_VERSION)));
  // Undefined symbols (what it needs from libminimr.so) are not exports.
  EXPECT_FALSE(Has(names, "_ZN6minimr11RegisterJobERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEESt8functionIFNS_13JobDefinitionEvEE"));
}

TEST(ElfSymbols, RefusesWhatIsNotASharedLibrary) {
  EXPECT_THROW(ExportedSymbols("hello, world\n"), ElfError);
  EXPECT_THROW(ExportedSymbols(""), ElfError);
  EXPECT_THROW(ExportedSymbols(Read("/proc/self/exe").substr(0, 64) + "x"), ElfError);
}

// Every truncation and a few thousand random corruptions either parse or throw ElfError: never
// a read outside the bytes (the sanitizer build would see one).
TEST(ElfSymbols, SurvivesTruncatedAndCorruptedFiles) {
  std::string image = Letters();
  for (size_t length = 0; length < image.size(); length += 1 + length / 16) {
    try {
      ExportedSymbols(std::string_view(image).substr(0, length));
    } catch (const ElfError&) {
    }
  }
  std::mt19937_64 random(7);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string bad = image;
    for (int flips = 0; flips < 8; ++flips) {
      // Mostly the header and section table, where the offsets live.
      size_t at = random() % 2 ? random() % 64 : random() % bad.size();
      bad[at] = static_cast<char>(random());
    }
    try {
      ExportedSymbols(bad);
    } catch (const ElfError&) {
    }
  }
}

}  // namespace
}  // namespace minimr::plugin
