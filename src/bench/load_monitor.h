// Waiting for a quiet machine before a timing (the load itself: nnlab/machine_load.h).
#pragma once

#include "nnlab/machine_load.h"

namespace nnlab::bench {

// Waits until other processes use fewer than `threshold` cores over `sample` seconds, or
// until `max_wait` seconds passed. Returns the seconds waited.
double wait_idle(double max_wait, double threshold = 0.1, double sample = 1.0);

}  // namespace nnlab::bench
