// Pooling over the spatial dimensions of NCHW tensors.
#pragma once

#include "nnlab/tensor.h"

namespace nnlab {

struct Pool2dParams {
  int64_t kernel = 2;
  int64_t stride = 0;  // 0: equal to the kernel, as in PyTorch
  int64_t padding = 0;
};

Tensor max_pool2d(const Tensor& x, Pool2dParams params);
// Average pooling; padded zeros count in the average (PyTorch's count_include_pad=True).
Tensor avg_pool2d(const Tensor& x, Pool2dParams params);
// Mean over H and W: [N, C, H, W] → [N, C, 1, 1] (AdaptiveAvgPool2d(1)).
Tensor global_avg_pool2d(const Tensor& x);

}  // namespace nnlab
