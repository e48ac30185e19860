#include "backend/cpu/elementwise.h"

#include <cstring>

namespace nnlab::cpu {

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

void scale(float* out, const float* a, float s, int64_t n) {
#pragma omp parallel for simd schedule(static) if (parallel: n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) out[i] = s * a[i];
}

void fill(float* out, float value, int64_t n) {
#pragma omp parallel for simd schedule(static) if (parallel: n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) out[i] = value;
}

void copy(float* out, const float* a, int64_t n) {
  if (out != a) std::memcpy(out, a, sizeof(float) * n);
}

double sum(const float* a, int64_t n) {
  double s = 0;
#pragma omp parallel for simd reduction(+ : s) schedule(static) if (parallel: n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) s += a[i];
  return s;
}

}  // namespace nnlab::cpu
