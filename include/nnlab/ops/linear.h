// Matrix products: matmul of 2-D tensors and the fully connected layer.
#pragma once

#include "nnlab/tensor.h"

namespace nnlab {

// a [M, K] times b [K, N] → [M, N].
Tensor matmul(const Tensor& a, const Tensor& b);
// y = x Wᵀ + b, with x [N, in], weight [out, in], bias [out] (optional) → [N, out].
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});

}  // namespace nnlab
