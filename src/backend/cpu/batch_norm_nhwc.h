// Batch normalisation over channels-last data: `rows` = N·H·W rows of `c` channels (NHWC,
// or NC for 1-d batch norm), whose vectorised loops run over as many whole rows as fit in
// 256 values. nnlab's own kernel rather than oneDNN's: oneDNN 2.6's NHWC batch norm
// synchronises its threads with spinning barriers, and on this shared 2-core machine one
// thread spinning while the other waits for a core made a resnet20 step spend 67% of its
// time in batch norm (21 ms for a 64x64x8x8 forward; DNNL_VERBOSE, load 1.3 cores from other
// processes). Here threads meet only at OpenMP's barriers, which sleep after a short spin. An
// optional ReLU is fused into the output (forward) and into the gradient mask (backward).
// Reductions are per-thread partial sums over fixed row ranges, added in thread order: the
// same thread count gives the same bits.
#pragma once

#include <cstdint>
#include "backend/cpu/isa.h"

namespace nnlab::cpu {

struct BnRows {
  int64_t rows, c;
  float eps;
};

// Batch statistics (mean, biased variance) and y = γ·(x−μ)/√(σ²+ε) + β [then max(·, 0)].
// gamma and beta may be null (affine off). bn_rows_moments then bn_rows_forward_inference.
void bn_rows_forward_training(const BnRows& g, const float* x, const float* gamma, const float* beta, float* y,
                              float* mean, float* var, bool relu);
// The same with given statistics (eval mode, or statistics gathered over several processes).
void bn_rows_forward_inference(const BnRows& g, const float* x, const float* gamma, const float* beta,
                               const float* mean, const float* var, float* y, bool relu);
// Gradients from the forward's batch statistics. With relu, `y` is the forward output and
// the incoming gradient counts only where y > 0. dgamma and dbeta may be null.
// bn_rows_backward_sums, bn_param_grads, then bn_rows_backward_data with count = rows.
void bn_rows_backward(const BnRows& g, const float* x, const float* dy, const float* y, const float* gamma,
                      const float* mean, const float* var, float* dx, float* dgamma, float* dbeta, bool relu);

// The pieces of the two above, split where synchronised batch norm adds up the ranks' sums
// (PyTorch's batch_norm_stats / batch_norm_backward_reduce / batch_norm_backward_elemt).
// Per channel: sum = Σx, shift = float(Σx / rows), centred = Σ(x − shift)².
void bn_rows_moments(const BnRows& g, const float* x, double* sum, double* centred, float* shift);
// sums[0, c) = Σdy, sums[c, 2c) = Σdy·(x − μ), dy masked by the fused ReLU.
void bn_rows_backward_sums(const BnRows& g, const float* x, const float* dy, const float* y, const float* mean,
                           double* sums, bool relu);
// dγ = Σdy·(x − μ)/σ, dβ = Σdy from the sums; either may be null.
void bn_param_grads(const BnRows& g, const float* var, const double* sums, float* dgamma, float* dbeta);
// dx from the sums over `count` rows (this call's rows, or every rank's).
void bn_rows_backward_data(const BnRows& g, const float* x, const float* dy, const float* y, const float* gamma,
                           const float* mean, const float* var, const double* sums, double count, float* dx,
                           bool relu);

NNLAB_ISA_DECLARE(void bn_rows_moments(const BnRows& g, const float* x, double* sum, double* centred, float* shift))
NNLAB_ISA_DECLARE(void bn_rows_forward_inference(const BnRows& g, const float* x, const float* gamma,
                                                 const float* beta, const float* mean, const float* var, float* y,
                                                 bool relu))
NNLAB_ISA_DECLARE(void bn_rows_backward_sums(const BnRows& g, const float* x, const float* dy, const float* y,
                                             const float* mean, double* sums, bool relu))
NNLAB_ISA_DECLARE(void bn_rows_backward_data(const BnRows& g, const float* x, const float* dy, const float* y,
                                             const float* gamma, const float* mean, const float* var,
                                             const double* sums, double count, float* dx, bool relu))

}  // namespace nnlab::cpu
