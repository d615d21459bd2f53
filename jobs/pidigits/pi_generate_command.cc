#include "pidigits/pi_generate_command.h"
#include "minimr/command_line.h"

#include <iostream>

#include "pidigits/pi_files.h"

namespace minimr::pidigits {

namespace po = boost::program_options;

int PiGenerateCommand(int argc, char** argv) {
  po::options_description options(
      "usage: minimr pi generate --digits N --files K --out DIR\n\nComputes the first N decimals "
      "of pi exactly (GMP, Chudnovsky series) and writes them\ninto K consecutive files named "
      "like pi150m.ascii.01of15: 10-digit groups, 100 digits a line.\n\noptions");
  options.add_options()("help,h", "this help")("digits", po::value<uint64_t>()->required(),
                                               "how many decimals after the point")(
      "files", po::value<int>()->default_value(1), "how many files to split them into")(
      "out", po::value<std::string>()->required(), "the directory to write (created if missing)");
  po::variables_map vm;
  if (auto status = ParseCommandLine(argc, argv, options, "minimr pi generate", &vm))
    return *status;
  uint64_t digits = vm["digits"].as<uint64_t>();
  int files = vm["files"].as<int>();
  if (digits < 1 || files < 1 || static_cast<uint64_t>(files) > digits || files > 9999) {
    std::cerr << "minimr pi generate: want --digits >= 1 and 1 <= --files <= min(digits, 9999)\n";
    return 2;
  }
  try {
    GeneratePiFiles(digits, files, vm["out"].as<std::string>(), std::cout);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "minimr pi generate: " << e.what() << std::endl;
    return 1;
  }
}

}  // namespace minimr::pidigits
