// The compute backend's settings: thread count and what it runs on.
#pragma once

#include <string>

namespace nnlab {

// Threads for compute (0 = every core). Same seed and thread count give the same bits.
void set_num_threads(int threads);
int num_threads();
// "oneDNN 2.6.3 (cpu, AVX-512 ...), 2 threads"
std::string backend_description();
// The instruction-set level of nnlab's own kernels, "avx512", "avx2" or "baseline": the
// CPU's best, capped by the environment variable NNLAB_MAX_ISA (as ONEDNN_MAX_CPU_ISA caps
// oneDNN's). Throws ConfigError for a value of NNLAB_MAX_ISA it does not know.
std::string kernel_isa();
// The best level this CPU runs, before the cap.
std::string cpu_kernel_isa();

// The OpenMP runtime reads its wait policy once, when it loads, before main(). Its default
// spins idle workers for a long time, which collapses throughput when another process
// takes a core (measured: a ResNet-20 step 50x slower on a loaded 2-core machine). Called
// first thing in main(), this re-executes the program once with workers that spin for
// about 8 microseconds (GOMP_SPINCOUNT=300) and then sleep, unless the user set
// OMP_WAIT_POLICY or GOMP_SPINCOUNT. The short spin catches the next parallel region of the
// same step without a futex wake-up (lenet5 training at batch 64 on an idle machine: 20k
// images/s asleep at once, 27k with the spin) and costs little when another process holds a
// core (17.5k and 16.8k with one core busy); a spin of 3000 gained no more idle and lost a
// quarter under load.
// Returns normally when no re-execution is needed or possible.
void ensure_thread_environment(char** argv);

}  // namespace nnlab
