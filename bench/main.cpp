// The nnlab_bench binary: Google Benchmark's main over every *_bench.cpp in this folder.
// Run it with OMP_WAIT_POLICY=passive, as the nnlab program runs itself.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
