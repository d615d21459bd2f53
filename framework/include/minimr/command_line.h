// Parsing a subcommand's options with Boost.Program_options, the same way for every command.
#pragma once

#include <optional>

#include <boost/program_options.hpp>

namespace minimr {

// Parses argv into *vm. Returns an exit status when the command should stop at once: 0 after
// printing `options` for --help, 2 after printing what was wrong and the options; nullopt to go
// on. `command` names the command in messages ("minimr master").
std::optional<int> ParseCommandLine(int argc, char** argv,
                                    const boost::program_options::options_description& options,
                                    const char* command, boost::program_options::variables_map* vm);

}  // namespace minimr
