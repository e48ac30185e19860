// Compiled once per instruction-set level (isa.h).
#include "backend/cpu/elementwise.h"

#include <cmath>

namespace nnlab::cpu::NNLAB_ISA {

void add_inplace(float* dst, const float* src, int64_t n) {
#pragma omp parallel for simd schedule(static) if (parallel: n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) dst[i] += src[i];
}

void axpy(float* dst, float alpha, const float* src, int64_t n) {
#pragma omp parallel for simd schedule(static) if (parallel: n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) dst[i] += alpha * src[i];
}

void add(float* out, const float* a, const float* b, int64_t n) {
#pragma omp parallel for simd schedule(static) if (parallel: n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

void sub(float* out, const float* a, const float* b, int64_t n) {
#pragma omp parallel for simd schedule(static) if (parallel: n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] - b[i];
}

void mul(float* out, const float* a, const float* b, int64_t n) {
#pragma omp parallel for simd schedule(static) if (parallel: n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] * b[i];
}

void div(float* out, const float* a, const float* b, int64_t n) {
#pragma omp parallel for simd schedule(static) if (parallel: n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] / b[i];
}

void scale(float* out, const float* a, float s, int64_t n) {
#pragma omp parallel for simd schedule(static) if (parallel: n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) out[i] = s * a[i];
}

void add_scalar(float* out, const float* a, float s, int64_t n) {
#pragma omp parallel for simd schedule(static) if (parallel: n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] + s;
}

void fill(float* out, float value, int64_t n) {
#pragma omp parallel for simd schedule(static) if (parallel: n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) out[i] = value;
}

double sum(const float* a, int64_t n) {
  double s = 0;
#pragma omp parallel for simd reduction(+ : s) schedule(static) if (parallel: n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) s += a[i];
  return s;
}

double sum_squares(const float* a, int64_t n) {
  double s = 0;
#pragma omp parallel for simd reduction(+ : s) schedule(static) if (parallel: n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(a[i]) * a[i];
  return s;
}

void unary(UnaryOp op, float* out, const float* x, int64_t n) {
  switch (op) {
    case UnaryOp::Square:
#pragma omp parallel for simd if (parallel: n > kParallelGrain)
      for (int64_t i = 0; i < n; ++i) out[i] = x[i] * x[i];
      return;
    case UnaryOp::Exp:
#pragma omp parallel for simd if (parallel: n > kParallelGrain)
      for (int64_t i = 0; i < n; ++i) out[i] = std::exp(x[i]);
      return;
    case UnaryOp::Log:
#pragma omp parallel for simd if (parallel: n > kParallelGrain)
      for (int64_t i = 0; i < n; ++i) out[i] = std::log(x[i]);
      return;
  }
}

void leaky_relu(float* out, const float* x, float slope, int64_t n) {
#pragma omp parallel for simd if (parallel: n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] > 0 ? x[i] : slope * x[i];
}

void leaky_relu_backward(float* out, const float* g, const float* ref, float slope, int64_t n) {
#pragma omp parallel for simd if (parallel: n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) out[i] = ref[i] > 0 ? g[i] : slope * g[i];
}

void moving_average(float* avg, const float* x, float keep, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) avg[i] = keep * avg[i] + (1 - keep) * x[i];
}

}  // namespace nnlab::cpu::NNLAB_ISA
