// Directories for minimr's private files (scratch, connection files, cluster state): where they
// may go, and making minimr's own.
#pragma once

#include <string>

namespace minimr {

// Refuses (std::runtime_error naming `dir`, what it is for, and what to do) a directory in which
// another user could tamper with minimr's private files: one that is missing or not a directory
// (a symbolic link to one is followed), that belongs to another user (root's is fine), or that
// others may write unless it is sticky as /tmp is. `what` names it: "the work directory".
void CheckSafeParentDirectory(const std::string& dir, const std::string& what);

// Makes `dir`, and any missing parents, with mode 0700. An existing `dir` must be this user's
// (std::runtime_error otherwise, naming the owner) and is made 0700 if it is looser. For
// directories that are minimr's own: ~/.minimr, a cluster's shared directory.
void MakePrivateDirectory(const std::string& dir);

}  // namespace minimr
