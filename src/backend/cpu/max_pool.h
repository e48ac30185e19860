// Max pooling on NCHW or channels-last NHWC data. Written here rather than taken from oneDNN because ties
// are common in real networks (ReLU zeros, then batch norm maps every all-zero receptive
// field to one constant) and PyTorch sends the gradient of a tied window to its first
// maximum in row-major order, where oneDNN picks another: only the same rule gives
// PyTorch's gradients.
#pragma once

#include <cstdint>

#include "backend/cpu/onednn_pool.h"
#include "backend/cpu/isa.h"

namespace nnlab::cpu {

// `argmax` (may be null) receives, per output element, the index (y·W + x) of its maximum
// within the input plane. Data and indices are NCHW, or NHWC when g.channels_last.
void max_pool2d_forward(const PoolGeometry& g, const float* src, float* dst, int32_t* argmax);
void max_pool2d_backward(const PoolGeometry& g, const float* diff_dst, const int32_t* argmax, float* diff_src);

NNLAB_ISA_DECLARE(void max_pool2d_forward(const PoolGeometry& g, const float* src, float* dst, int32_t* argmax))
NNLAB_ISA_DECLARE(void max_pool2d_backward(const PoolGeometry& g, const float* diff_dst, const int32_t* argmax,
                                           float* diff_src))

}  // namespace nnlab::cpu
