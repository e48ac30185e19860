// Elementwise kernels on contiguous float arrays (OpenMP across cores for large arrays,
// vectorised by the compiler within a core).
#pragma once

#include <cstdint>

namespace nnlab::cpu {

void add_inplace(float* dst, const float* src, int64_t n);                     // dst += src
void axpy(float* dst, float alpha, const float* src, int64_t n);               // dst += alpha*src
void add(float* out, const float* a, const float* b, int64_t n);               // out = a + b
void sub(float* out, const float* a, const float* b, int64_t n);               // out = a - b
void mul(float* out, const float* a, const float* b, int64_t n);               // out = a * b
void scale(float* out, const float* a, float s, int64_t n);                    // out = s * a
void fill(float* out, float value, int64_t n);
void copy(float* out, const float* a, int64_t n);
double sum(const float* a, int64_t n);                                         // in double

// Grain below which work stays on one thread: spawning costs more than it saves. Workers
// sleep 8 microseconds after a region (GOMP_SPINCOUNT=300, thread_environment.cpp), so a
// region after a pause costs a futex wake-up of each worker, tens of microseconds, and on a
// loaded machine up to a scheduler time slice; 128 Ki floats (512 KiB) stream through one core in about as long.
// Loops name the modifier, `if (parallel: n > kParallelGrain)`: a bare `if` on a combined
// `parallel for simd` applies to the simd part too (OpenMP 5.0), and GCC then runs every
// loop below the grain scalar, 5x slower.
constexpr int64_t kParallelGrain = 1 << 17;

}  // namespace nnlab::cpu
