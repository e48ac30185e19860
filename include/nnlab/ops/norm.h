// Batch normalisation (Ioffe and Szegedy, 2015) of [N, C] or [N, C, H, W] tensors.
#pragma once

#include "nnlab/tensor.h"

namespace nnlab {

struct BatchNormParams {
  bool training = true;
  float momentum = 0.1f;  // running = (1 - momentum) * running + momentum * batch
  float eps = 1e-5f;
  bool relu = false;  // apply ReLU to the output in the same pass (batch norm then ReLU, fused)
};

// Training: normalises with the batch statistics (biased variance) and updates the running
// mean and the running (unbiased) variance in place. Eval: uses the running statistics.
// weight and bias [C] are optional (affine=false).
Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, BatchNormParams params);

}  // namespace nnlab
