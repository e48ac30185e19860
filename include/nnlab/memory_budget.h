// Memory estimates checked before allocating: a model, batch or image size too large for
// the machine is refused with the estimate and what to lower, rather than ending in
// std::bad_alloc or a process the kernel kills after it has grown without bound.
#pragma once

#include <cstdint>
#include <string_view>

namespace nnlab {

// The bytes this process may still allocate: the machine's MemAvailable (plus free swap),
// bounded by the cgroup's memory.max less its usage, and by RLIMIT_AS (ulimit -v) less
// what the process has mapped. Read afresh on each call.
uint64_t available_memory();

// Throws MemoryError "WHAT needs 12.3 GB, more than the 4.5 GB available: HOW" when `bytes`
// exceeds available_memory().
void require_memory(uint64_t bytes, std::string_view what, std::string_view how);

// "12.3 GB", "512 MB": sizes as the messages print them.
std::string_view format_bytes(uint64_t bytes, char (&buffer)[32]);

}  // namespace nnlab
