// 2-D convolution forward and backward through oneDNN on channels-last (NHWC) activations
// and plain OIHW weights. Each distinct geometry gets its primitives created once; the
// weights go to the layout the primitive prefers (kept for inference, per call in training),
// and activations stay NHWC (a layout the direct kernels read), except around a Winograd
// layer, whose kernels read channel-blocked copies.
#pragma once

#include <cstdint>
#include <string>

#include "backend/cpu/isa.h"

namespace nnlab::cpu {

struct ConvGeometry {
  int64_t n, c, h, w;      // input
  int64_t o, kh, kw;       // weight
  int64_t oh, ow;          // output
  int64_t stride, padding, dilation;
  bool bias;
  // Mixed precision (Precision::BF16): the input and the output gradient come as bfloat16
  // (to_bf16), weights are rounded to bfloat16 in their cached copy; outputs, bias and all
  // gradients stay float32. oneDNN's avx512_core_bf16 kernels then run a 64-channel 3x3
  // layer 2.3x faster than float32 (252 vs 108 GFLOP/s, loaded machine).
  bool bf16 = false;
  // Inference only: max(0, ·) applied to the output inside the forward kernel (a oneDNN
  // post-op), saving a pass over the activations.
  bool relu = false;
  // Inference only: dst holds a residual on entry, and the output is added to it before
  // the ReLU (a oneDNN sum post-op): ResNet's relu(conv(x) + shortcut) in one pass.
  bool sum = false;
  std::string key() const;
};

// Rounds n floats to bfloat16 (nearest even), packed two per float slot of `dst`.
void to_bf16(const float* src, void* dst, int64_t n);
NNLAB_ISA_DECLARE(void to_bf16(const float* src, void* dst, int64_t n))

// Plain OIHW weights and the identity of their current values (storage id and version),
// under which their reordered copy is cached; id 0 means "do not cache".
struct WeightRef {
  const float* data;
  uint64_t id, version;
};

// Whether conv2d_forward takes Winograd for this geometry now (nnlab/conv_algorithm.h: the
// algorithm asked for, and a kernel for it at this CPU's instruction set).
bool conv2d_forward_is_winograd(const ConvGeometry& g, bool training);

// src and diff_dst are float32, or bfloat16 when g.bf16.
void conv2d_forward(const ConvGeometry& g, const void* src, WeightRef weight, const float* bias, float* dst,
                    bool training);
void conv2d_backward_data(const ConvGeometry& g, const void* diff_dst, WeightRef weight, float* diff_src);
// diff_bias may be null when the convolution has no bias.
void conv2d_backward_weights(const ConvGeometry& g, const void* src, const void* diff_dst, float* diff_weight,
                             float* diff_bias);

}  // namespace nnlab::cpu
