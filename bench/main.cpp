// The nnlab_bench binary: Google Benchmark's main over every *_bench.cpp in this folder.
// Run it with GOMP_SPINCOUNT=300, as the nnlab program runs itself.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
