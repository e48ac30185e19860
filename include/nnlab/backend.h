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
// first thing in main(), this re-executes the program once with a spin chosen from a 40 ms
// look at the machine, unless the user set OMP_WAIT_POLICY or GOMP_SPINCOUNT:
//  - other processes using under half a core: workers spin about 270 microseconds
//    (GOMP_SPINCOUNT=10000) before they sleep, enough to bridge the serial gaps between one
//    op's parallel region and the next without a futex wake-up. On the idle 2-core machine
//    against 300: lenet5 training at batch 64 21.9k -> 29.7k images/s, resnet20 722 -> 860;
//    single-image inference 0.18 -> 0.037 ms (lenet5) and 2.2 -> 0.47 ms (resnet20).
//  - a busy machine: about 8 microseconds (GOMP_SPINCOUNT=300), and then sleep. With one
//    core taken by another process the long spin costs its time slice: lenet5 training
//    17.6k images/s at 300 against 9.9k at 10000, resnet20 449 against 347.
// Returns normally when no re-execution is needed or possible.
void ensure_thread_environment(char** argv);

// Float results below 1.2e-38 become zero, and such inputs count as zero (the SSE control
// register's FTZ and DAZ bits), in this thread and in the threads it creates afterwards
// (POSIX threads inherit it): OpenMP's workers, the data loaders, the replicas. Without it an
// MLP with batch norm (3 x 1024, Adam 0.01) slowed from 4 s per epoch to 45 s by its sixth,
// its values drifting into the subnormal range, where every operation on them takes a
// microcode assist; the values lost are far below anything training can tell from zero.
// Called first thing in main(), before any thread starts.
void flush_denormals();

}  // namespace nnlab
