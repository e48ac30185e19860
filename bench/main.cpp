// The nnlab_bench binary: Google Benchmark's main over every *_bench.cpp in this folder, in
// the environment the nnlab program gives itself (its OpenMP spin, subnormals flushed).
#include <benchmark/benchmark.h>

#include "nnlab/backend.h"

int main(int argc, char** argv) {
  nnlab::ensure_thread_environment(argv);
  nnlab::flush_denormals();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
