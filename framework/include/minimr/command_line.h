// Parsing a subcommand's options with Boost.Program_options, the same way for every command.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <boost/program_options.hpp>

namespace minimr {

// Parses argv into *vm. Returns an exit status when the command should stop at once: 0 after
// printing `options` for --help, 2 after printing what was wrong and the options; nullopt to go
// on. `command` names the command in messages ("minimr master").
std::optional<int> ParseCommandLine(int argc, char** argv,
                                    const boost::program_options::options_description& options,
                                    const char* command, boost::program_options::variables_map* vm);

// A whole-number option, read by ParseInteger (minimr/number_parse.h) and refused unless it lies
// in [low, high]: "--digits -5" is "--digits: expected a whole number from 1 to ..., got '-5'",
// never a wrapped-around count. `why_high`, if given, is added to that message to say where the
// upper bound comes from. Read the value as vm["name"].as<int64_t>().
boost::program_options::typed_value<int64_t>* IntegerOption(int64_t low, int64_t high,
                                                            std::string why_high = "");

}  // namespace minimr
