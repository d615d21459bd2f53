// Files that appear together or not at all: the input a job generates (minimr calls this around
// JobDefinition::generate_input) or the files a job's own command writes (`minimr pi generate`).
//
//   minimr::MakeFilesTogether(dir, [&](const std::string& staging) {
//     WriteMyFiles(staging);                             // made where nobody looks
//   });                                                  // then moved into dir, all of them
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace minimr {

// Runs `make` with a fresh private directory (.minimr-generating-XXXXXX in `directory`, made
// with the directory if missing) to make its files in, then moves them all into `directory`,
// never over a file of the same name, with SIGINT, SIGTERM, SIGHUP and SIGQUIT held until the
// last is moved. If `make` throws, or the process is killed before the move, none of them
// appears there: the private directory is removed, or, if the process was killed, by the next
// call for the same directory. Returns the names moved, sorted. Throws std::runtime_error naming
// the directory or file, or what `make` threw.
std::vector<std::string> MakeFilesTogether(const std::string& directory,
                                           const std::function<void(const std::string&)>& make);

}  // namespace minimr
