// Elementwise kernels on contiguous float arrays (OpenMP across cores for large arrays,
// vectorised by the compiler within a core), compiled once per instruction-set level
// (isa.h, kernels/elementwise.cpp).
#pragma once

#include <cstdint>

#include "backend/cpu/isa.h"

namespace nnlab::cpu {

enum class UnaryOp { Square, Exp, Log };

#define NNLAB_ELEMENTWISE_KERNELS                                                          \
  void add_inplace(float* dst, const float* src, int64_t n);          /* dst += src */      \
  void axpy(float* dst, float alpha, const float* src, int64_t n);    /* dst += alpha*src */ \
  void add(float* out, const float* a, const float* b, int64_t n);    /* out = a + b */     \
  void sub(float* out, const float* a, const float* b, int64_t n);    /* out = a - b */     \
  void mul(float* out, const float* a, const float* b, int64_t n);    /* out = a * b */     \
  void div(float* out, const float* a, const float* b, int64_t n);    /* out = a / b */     \
  void scale(float* out, const float* a, float s, int64_t n);         /* out = s * a */     \
  void add_scalar(float* out, const float* a, float s, int64_t n);    /* out = a + s */     \
  void fill(float* out, float value, int64_t n);                                            \
  double sum(const float* a, int64_t n);                              /* in double */       \
  double sum_squares(const float* a, int64_t n);                      /* in double */       \
  void unary(UnaryOp op, float* out, const float* x, int64_t n);                            \
  /* out = x > 0 ? x : slope*x */                                                           \
  void leaky_relu(float* out, const float* x, float slope, int64_t n);                      \
  /* out = ref > 0 ? g : slope*g (ref: the input, or the output where slope is 0) */        \
  void leaky_relu_backward(float* out, const float* g, const float* ref, float slope, int64_t n); \
  /* avg = keep*avg + (1 - keep)*x */                                                       \
  void moving_average(float* avg, const float* x, float keep, int64_t n)

NNLAB_ELEMENTWISE_KERNELS;
NNLAB_ISA_DECLARE(NNLAB_ELEMENTWISE_KERNELS)

void copy(float* out, const float* a, int64_t n);  // memcpy: nothing to vectorise

// Grain below which work stays on one thread: spawning costs more than it saves. Workers
// sleep 8 microseconds after a region (GOMP_SPINCOUNT=300, thread_environment.cpp), so a
// region after a pause costs a futex wake-up of each worker, tens of microseconds, and on a
// loaded machine up to a scheduler time slice; 128 Ki floats (512 KiB) stream through one core in about as long.
// Loops name the modifier, `if (parallel: n > kParallelGrain)`: a bare `if` on a combined
// `parallel for simd` applies to the simd part too (OpenMP 5.0), and GCC then runs every
// loop below the grain scalar, 5x slower.
constexpr int64_t kParallelGrain = 1 << 17;

}  // namespace nnlab::cpu
