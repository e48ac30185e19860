// Backward-data of convolutions with few input channels as a GEMM and a col2im, on
// channels-last activations. oneDNN 2.6's kernel pads the input channels to a vector of 16
// and ran LeNet-5's conv2 (6 -> 16 channels, 5x5, 14x14, 32 images per thread) at
// 43 GFLOP/s, 0.37 ms of a 2.1 ms training step (DNNL_VERBOSE). Here each output pixel's
// gradient row times the weights gives its kh x kw x C input-gradient patch (sgemm, 256
// pixels at a time so that the patches stay in cache), and each patch row, kw x C floats
// contiguous in NHWC, is added onto the input gradient.
#pragma once

#include "backend/cpu/onednn_conv.h"
#include "backend/cpu/isa.h"

namespace nnlab::cpu {

// True where this path takes the geometry: float32, dilation 1, fewer than 16 input
// channels (where oneDNN pads them) and more than one (a first layer needs no input
// gradient).
bool gemm_conv_backward_data_applies(const ConvGeometry& g);

// diff_src (NHWC, overwritten) from diff_dst (NHWC) and OIHW weights. Single-threaded:
// conv_batch_split gives each thread its share of the images.
void gemm_conv_backward_data(const ConvGeometry& g, const float* diff_dst, const float* weight, float* diff_src);

NNLAB_ISA_DECLARE(void gemm_conv_backward_data(const ConvGeometry& g, const float* diff_dst, const float* weight,
                                               float* diff_src))

}  // namespace nnlab::cpu
