#include "pidigits/pi_generate_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "minimr/command_line.h"
#include "minimr/generated_files.h"
#include "pidigits/pi_files.h"
#include "pidigits/pi_generator.h"

namespace minimr::pidigits {

namespace po = boost::program_options;

namespace {

constexpr int64_t kMaxFiles = 9999;  // file names pad the index to the width of this

// Makes `dir` if it is missing and proves that files can be made in it, before any digit is
// computed. Throws std::runtime_error saying what is wrong with it.
void CheckOutDirectory(const std::string& dir) {
  struct stat info;
  if (::stat(dir.c_str(), &info) == 0 && !S_ISDIR(info.st_mode)) {
    throw std::runtime_error("--out " + dir + " exists and is not a directory");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error("--out " + dir + ": cannot create it: " + ec.message());
  std::string probe = dir + "/.pi-generate-probe.XXXXXX";
  const int fd = ::mkostemp(probe.data(), O_CLOEXEC);
  if (fd < 0) {
    throw std::runtime_error("--out " + dir + ": cannot write there: " + std::strerror(errno));
  }
  ::close(fd);
  ::unlink(probe.c_str());
}

}  // namespace

int PiGenerateCommand(int argc, char** argv) {
  const uint64_t max_digits = MaxPiDigits();
  po::options_description options(
      "usage: minimr pi generate --digits N --files K --out DIR\n\nComputes the first N decimals "
      "of pi exactly (GMP, Chudnovsky series) and writes them\ninto K consecutive files named "
      "like pi150m.ascii.01of15: 10-digit groups, 100 digits a line.\n\noptions");
  options.add_options()("help,h", "this help")(
      "digits", IntegerOption(1, static_cast<int64_t>(max_digits), MaxPiDigitsReason())->required(),
      "how many decimals after the point")("files", IntegerOption(1, kMaxFiles)->default_value(1),
                                           "how many files to split them into (at most --digits)")(
      "out", po::value<std::string>()->required(), "the directory to write (created if missing)");
  po::variables_map vm;
  if (auto status = ParseCommandLine(argc, argv, options, "minimr pi generate", &vm)) {
    return *status;
  }
  const int64_t digits = vm["digits"].as<int64_t>();
  const int64_t files = vm["files"].as<int64_t>();
  if (files > digits) {
    std::cerr << "minimr pi generate: --files " << files << " is more than --digits " << digits
              << ": every file needs a digit\n";
    return 2;
  }
  const std::string out = vm["out"].as<std::string>();
  try {
    CheckOutDirectory(out);
  } catch (const std::exception& e) {
    std::cerr << "minimr pi generate: " << e.what() << std::endl;
    return 2;
  }
  try {
    // Made aside and moved in together: an interrupted run leaves none of the files where a job's
    // pattern would take some of them for the whole.
    // (Files of the same names are replaced, as the user asked for them there.)
    MakeFilesTogether(
        out,
        [&](const std::string& staging) {
          GeneratePiFiles(static_cast<uint64_t>(digits), static_cast<int>(files), staging,
                          std::cout);
        },
        ExistingFiles::kReplace);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "minimr pi generate: " << e.what() << std::endl;
    return 1;
  }
}

}  // namespace minimr::pidigits
