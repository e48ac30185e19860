// The compute backend's settings: thread count and what it runs on.
#pragma once

#include <string>

namespace nnlab {

// Threads for compute (0 = every core). Same seed and thread count give the same bits.
void set_num_threads(int threads);
int num_threads();
// "oneDNN 2.6.3 (cpu, AVX-512 ...), 2 threads"
std::string backend_description();

}  // namespace nnlab
