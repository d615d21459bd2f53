// Merges sorted runs and hands each distinct key, with all its values, to a function.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "framework/src/shuffle/record_source.h"
#include "minimr/job.h"

namespace minimr::shuffle {

// Calls group(key, values) once per distinct key, keys in increasing bytewise order. Values a
// group function leaves unread are skipped. REQUIRES: each source is sorted by key.
void MergeGroups(std::vector<std::unique_ptr<RecordSource>> sources,
                 const std::function<void(std::string_view key, ValueIterator& values)>& group);

}  // namespace minimr::shuffle
