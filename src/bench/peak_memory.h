// Peak resident memory of this process, resettable so that each benchmark config reports
// its own peak (Linux: /proc/self/status VmHWM, reset by writing 5 to /proc/self/clear_refs).
#pragma once

namespace nnlab::bench {

// Returns freed memory to the system (nnlab's tensor cache and the C heap) and restarts the
// peak at the current resident size. False when the kernel does not allow the reset.
bool reset_peak_memory();
// Peak resident set size since the last reset (or since start), in MiB.
double peak_memory_mb();

}  // namespace nnlab::bench
