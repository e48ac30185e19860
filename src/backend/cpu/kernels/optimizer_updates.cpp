// Compiled once per instruction-set level (isa.h); the optimizers' fused update loops.
#include <cmath>

#include "backend/cpu/elementwise.h"
#include "backend/cpu/optimizer_kernels.h"

namespace nnlab::cpu::NNLAB_ISA {

void sgd_update(const SgdScalars& c, float* p, const float* g, int64_t n) {
  const float lr = c.lr, wd = c.wd, shrink = c.shrink;
#pragma omp parallel for simd schedule(static) if (parallel: n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) p[i] = p[i] * shrink - lr * (g[i] + wd * p[i]);
}

void sgd_momentum_update(const SgdScalars& c, float* p, const float* g, float* v, int64_t n) {
  const float lr = c.lr, wd = c.wd, shrink = c.shrink, keep = c.keep, take = c.take, mu = c.mu;
  const bool nesterov = c.nesterov;
#pragma omp parallel for simd schedule(static) if (parallel: n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) {
    const float d = g[i] + wd * p[i];
    const float vi = v[i] * keep + take * d;
    v[i] = vi;
    const float step = nesterov ? d + mu * vi : vi;
    p[i] = p[i] * shrink - lr * step;
  }
}

namespace {

// kAmsgrad is a template argument so that each variant is a branch-free loop the compiler
// vectorises.
template <bool kAmsgrad>
void adam_loop(const AdamScalars& c, float* p, const float* g, float* m, float* v, float* v_max, int64_t n) {
#pragma omp parallel for simd schedule(static) if (parallel: n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) {
    const float gi = g[i] + c.wd * p[i];
    const float mi = m[i] * c.b1 + c.one_minus_b1 * gi;
    float vi = v[i] * c.b2 + c.one_minus_b2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    if constexpr (kAmsgrad) {  // by value: std::max's reference result defeats the vectoriser
      const float previous = v_max[i];
      vi = previous > vi ? previous : vi;
      v_max[i] = vi;
    }
    const float denom = std::sqrt(vi) / c.correction2_sqrt + c.eps;
    p[i] = p[i] * c.shrink + (-c.step_size * mi) / denom;
  }
}

template <bool kCentered, bool kMomentum>
void rmsprop_loop(const RMSpropScalars& c, float* p, const float* g, float* sq, float* avg_g, float* buf,
                  int64_t n) {
#pragma omp parallel for simd schedule(static) if (parallel: n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) {
    const float gi = g[i] + c.wd * p[i];
    const float si = sq[i] * c.alpha + c.one_minus_alpha * gi * gi;
    sq[i] = si;
    float var = si;
    if constexpr (kCentered) {
      const float ai = avg_g[i] * c.alpha + c.one_minus_alpha * gi;
      avg_g[i] = ai;
      var = si - ai * ai;
    }
    const float denom = std::sqrt(var) + c.eps;
    if constexpr (kMomentum) {
      const float bi = buf[i] * c.mu + gi / denom;
      buf[i] = bi;
      p[i] = p[i] - c.lr * bi;
    } else {
      p[i] = p[i] + (-c.lr * gi) / denom;
    }
  }
}

}  // namespace

void adam_update(const AdamScalars& c, float* p, const float* g, float* m, float* v, float* v_max, int64_t n) {
  if (v_max) adam_loop<true>(c, p, g, m, v, v_max, n);
  else adam_loop<false>(c, p, g, m, v, nullptr, n);
}

void rmsprop_update(const RMSpropScalars& c, float* p, const float* g, float* sq, float* avg_g, float* buf,
                    int64_t n) {
  if (avg_g && buf) return rmsprop_loop<true, true>(c, p, g, sq, avg_g, buf, n);
  if (avg_g) return rmsprop_loop<true, false>(c, p, g, sq, avg_g, buf, n);
  if (buf) return rmsprop_loop<false, true>(c, p, g, sq, avg_g, buf, n);
  rmsprop_loop<false, false>(c, p, g, sq, avg_g, buf, n);
}

void adagrad_update(float clr, float wd, float eps, float* p, const float* g, float* sum, int64_t n) {
#pragma omp parallel for simd schedule(static) if (parallel: n > kParallelGrain)
  for (int64_t i = 0; i < n; ++i) {
    const float gi = g[i] + wd * p[i];
    const float si = sum[i] + gi * gi;
    sum[i] = si;
    p[i] = p[i] + (-clr * gi) / (std::sqrt(si) + eps);
  }
}

}  // namespace nnlab::cpu::NNLAB_ISA
