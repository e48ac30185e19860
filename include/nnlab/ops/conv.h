// 2-D convolution (cross-correlation, as in PyTorch) on NCHW tensors.
#pragma once

#include "nnlab/tensor.h"

namespace nnlab {

struct Conv2dParams {
  int64_t stride = 1;
  int64_t padding = 0;
  int64_t dilation = 1;
  // Inference only (refused where autograd would record): max(0, ·) applied to the output
  // by the convolution itself.
  bool relu = false;
  // The weights are written only through versioned writes (copy_, fill_, an optimizer), so
  // their reordered copy may be kept between calls, as it is for parameters.
  bool cache_weights = false;
  // Inference only: a tensor of the output's shape added to the output before the ReLU,
  // inside the convolution. With `residual_in_place` the output is written into its storage
  // (the caller holds it alone); otherwise it is copied first.
  Tensor residual{};  // {}: without it GCC 12 warns at every brace-initialised Conv2dParams
  bool residual_in_place = false;
  // Inference only: the output max-pooled over windows of this size at the same stride, no
  // padding (max_pool2d with kernel = stride = max_pool), after the ReLU; 0: none. The
  // few-channel kernel pools 2x2 before it writes (a network's first layer, LeNet-5's
  // conv, relu, maxpool); other geometries pool afterwards.
  int64_t max_pool = 0;
};

// x [N, C, H, W], weight [O, C, kh, kw], bias [O] (optional) → [N, O, H', W'].
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, Conv2dParams params = {});
// The output size of one spatial dimension (throws ShapeError when it would be empty).
int64_t conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation);

}  // namespace nnlab
