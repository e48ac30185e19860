// Max and average pooling through oneDNN on NCHW or channels-last NHWC data.
#pragma once

#include <cstdint>
#include <string>

#include "nnlab/tensor.h"

namespace nnlab::cpu {

struct PoolGeometry {
  int64_t n, c, h, w, oh, ow;
  int64_t kernel, stride, padding;
  bool max;  // else average, padded zeros counted
  bool channels_last;  // data in NHWC order (else NCHW)
  std::string key() const;
};

// Returns the workspace the backward pass of max pooling needs (undefined otherwise).
Tensor pool2d_forward(const PoolGeometry& g, const float* src, float* dst, bool training);
void pool2d_backward(const PoolGeometry& g, const float* diff_dst, const Tensor& workspace, float* diff_src);

}  // namespace nnlab::cpu
