#include "minimr/command_line.h"

#include <iostream>

namespace minimr {

namespace po = boost::program_options;

std::optional<int> ParseCommandLine(int argc, char** argv, const po::options_description& options,
                                    const char* command, po::variables_map* vm) {
  try {
    po::store(po::parse_command_line(argc, argv, options), *vm);
    // --help before notify(), which would complain about required options first.
    if (vm->count("help")) {
      std::cout << options;
      return 0;
    }
    po::notify(*vm);
  } catch (const std::exception& e) {
    std::cerr << command << ": " << e.what() << "\n" << options;
    return 2;
  }
  return std::nullopt;
}

}  // namespace minimr
