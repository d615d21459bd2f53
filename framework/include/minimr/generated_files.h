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

// What becomes of a file of the same name already in the directory.
enum class ExistingFiles {
  kKeep,     // left as it is; none of the new files is moved in (std::runtime_error)
  kReplace,  // replaced by the new file
};

// Runs `make` with a fresh private directory (.minimr-generating-XXXXXX in `directory`, made
// with the directory if missing; it holds a `.lock` file that `make` must leave alone) to make
// its files in, then moves them all into `directory` with SIGINT, SIGTERM, SIGHUP and SIGQUIT
// held until the last is in and the private directory is gone. If `make` throws, or a move
// fails, none of the files is left in `directory` (those moved are moved back; with kReplace,
// the files they had replaced are gone) and the private directory is removed; if the process is
// killed outright, the next call for the same directory removes it. The signals are held in this
// thread: another thread that lets them in takes them. Returns the names moved, sorted. Throws
// std::runtime_error naming the directory or file, or what `make` threw.
std::vector<std::string> MakeFilesTogether(const std::string& directory,
                                           const std::function<void(const std::string&)>& make,
                                           ExistingFiles existing = ExistingFiles::kKeep);

}  // namespace minimr
