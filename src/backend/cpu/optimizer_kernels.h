// The fused per-parameter update loops of the optimizers (one pass over a parameter and
// its state buffers), compiled once per instruction-set level (isa.h). The scalars come
// rounded to float by the optimizer, as PyTorch passes them to its float kernels.
#pragma once

#include <cstdint>

#include "backend/cpu/isa.h"

namespace nnlab::cpu {

struct SgdScalars {
  float lr, wd, shrink;  // shrink: decoupled weight decay's 1 − lr·wd, else 1
  float keep, take, mu;  // momentum: v = keep·v + take·d; nesterov steps by d + mu·v
  bool nesterov;
};

struct AdamScalars {
  float b1, one_minus_b1, b2, one_minus_b2, step_size, correction2_sqrt, eps, wd, shrink;
};

struct RMSpropScalars {
  float lr, alpha, one_minus_alpha, eps, wd, mu;
};

// p ← p·shrink − lr·(g + wd·p).
void sgd_update(const SgdScalars& c, float* p, const float* g, int64_t n);
// With a momentum buffer v.
void sgd_momentum_update(const SgdScalars& c, float* p, const float* g, float* v, int64_t n);
// v_max is null unless AMSGrad.
void adam_update(const AdamScalars& c, float* p, const float* g, float* m, float* v, float* v_max, int64_t n);
// avg_g is null unless centred, buf null unless momentum.
void rmsprop_update(const RMSpropScalars& c, float* p, const float* g, float* sq, float* avg_g, float* buf,
                    int64_t n);
void adagrad_update(float clr, float wd, float eps, float* p, const float* g, float* sum, int64_t n);

NNLAB_ISA_DECLARE(void sgd_update(const SgdScalars& c, float* p, const float* g, int64_t n))
NNLAB_ISA_DECLARE(void sgd_momentum_update(const SgdScalars& c, float* p, const float* g, float* v, int64_t n))
NNLAB_ISA_DECLARE(void adam_update(const AdamScalars& c, float* p, const float* g, float* m, float* v, float* v_max,
                                   int64_t n))
NNLAB_ISA_DECLARE(void rmsprop_update(const RMSpropScalars& c, float* p, const float* g, float* sq, float* avg_g,
                                      float* buf, int64_t n))
NNLAB_ISA_DECLARE(void adagrad_update(float clr, float wd, float eps, float* p, const float* g, float* sum,
                                      int64_t n))

}  // namespace nnlab::cpu
