// "Did you mean ...?": the known name nearest to a misspelt one, for messages about unknown keys,
// parameters and options.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace minimr {

// Returns the name in `known` closest to `name` by edit distance (insertions, deletions,
// substitutions and swaps of neighbours), if it is close enough to be a likely typo (at most
// a third of the longer name's letters differ, and at least one letter agrees); "" otherwise.
std::string ClosestName(std::string_view name, std::span<const std::string_view> known);

// "; did you mean 'NAME'?" for the ClosestName, or "" when there is none.
std::string DidYouMean(std::string_view name, std::span<const std::string_view> known);
std::string DidYouMean(std::string_view name, const std::vector<std::string>& known);

}  // namespace minimr
