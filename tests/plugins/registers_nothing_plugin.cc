// A library built against minimr's headers that registers no job.
#include "minimr/job.h"

int NotAJob() { return 42; }
