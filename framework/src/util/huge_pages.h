// Where a first touch of a page is dear (a page fault costs about 11 us in some virtual
// machines, bench/page_fault_cost), a large buffer filled once is cheaper in 2 MB pages.
#pragma once

#include <cstddef>

namespace minimr {

// Asks for 2 MB pages over the 2 MB-aligned part of [p, p + bytes): a hint, which the kernel
// follows only where transparent huge pages are enabled (always, or for madvise) and it has them.
void AdviseHugePages(void* p, size_t bytes);

}  // namespace minimr
