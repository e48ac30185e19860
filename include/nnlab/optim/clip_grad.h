// Gradient clipping by global norm (Pascanu, Mikolov & Bengio 2013), as PyTorch's
// torch.nn.utils.clip_grad_norm_.
#pragma once

#include <limits>
#include <vector>

#include "nnlab/tensor.h"

namespace nnlab::optim {

// Scales the gradients of `params` (those that have one) in place so that their joint
// p-norm is at most max_norm: g ← g·min(1, max_norm / (norm + 1e-6)). Returns the norm
// before clipping (0 when no parameter has a gradient; NaN or inf passes through, as in
// PyTorch, so callers can detect divergence). norm_type is p > 0, or infinity for the max-norm.
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0);

constexpr double kInfNorm = std::numeric_limits<double>::infinity();

}  // namespace nnlab::optim
