// Forward convolution of one-channel images (the first layer of a grayscale net such as
// LeNet-5 on Fashion-MNIST) into channels-last output, by nnlab's own kernel (AVX-512 or AVX2).
// oneDNN 2.6's brgconv pads the single input channel to a vector of 16 and ran LeNet-5's
// conv1 (1 -> 6 channels, 5x5, 28x28, 32 images per thread) at 25 GFLOP/s, 0.31 ms of a
// 2.3 ms training step (DNNL_VERBOSE). Here the vector runs along the output row instead:
// 16 output pixels per register, one accumulator per output channel, each weight broadcast.
#pragma once

#include "backend/cpu/onednn_conv.h"
#include "backend/cpu/isa.h"

namespace nnlab::cpu {

// True where the kernel takes the geometry: float32, one input channel, stride 1,
// dilation 1, at most 16 output channels, kernels at most 16 wide, at the AVX2 or AVX-512 level.
bool one_channel_conv_applies(const ConvGeometry& g);

// dst[n][oy][ox][o] = bias[o] + sum over ky, kx of weight[o][0][ky][kx] ·
// src[n][oy + ky - padding][ox + kx - padding] (zero outside the image); bias may be null.
// Single-threaded: conv_batch_split gives each thread its share of the images.
void one_channel_conv_forward(const ConvGeometry& g, const float* src, const float* weight, const float* bias,
                              float* dst);

NNLAB_ISA_DECLARE(bool one_channel_conv_applies(const ConvGeometry& g))
NNLAB_ISA_DECLARE(void one_channel_conv_forward(const ConvGeometry& g, const float* src, const float* weight,
                                                const float* bias, float* dst))

}  // namespace nnlab::cpu
