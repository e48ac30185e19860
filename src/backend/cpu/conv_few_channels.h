// Forward convolution of images with few channels (a network's first layer: LeNet-5's
// conv1 on Fashion-MNIST's one channel or CIFAR's three) into channels-last output, by
// nnlab's own kernel (AVX-512 or AVX2). oneDNN 2.6 pads the input channels and the six
// output channels to vectors of 16: it ran LeNet-5's conv1 at 25 GFLOP/s on one channel
// (0.31 ms of a 2.3 ms training step, DNNL_VERBOSE) and at 64 on three. Here the vector
// runs along the output row instead: 16 output pixels per register, one accumulator per
// output channel, each weight broadcast. In inference the kernel can also apply the ReLU
// and a 2x2 max pool before it writes (LeNet-5's conv, relu, maxpool), so the full-size
// activations never leave the cache.
#pragma once

#include "backend/cpu/onednn_conv.h"
#include "backend/cpu/isa.h"

namespace nnlab::cpu {

// True where the kernel takes the geometry: float32, at most 4 input channels, stride 1,
// dilation 1, at most 8 output channels, kernels at most 16 wide, at the AVX2 or AVX-512 level.
bool few_channel_conv_applies(const ConvGeometry& g);

// With max_pool2 false: dst[n][oy][ox][o] = act(bias[o] + sum over c, ky, kx of
// weight[o][c][ky][kx] · src[n][c][oy + ky - padding][ox + kx - padding]) (zero outside the
// image), act = max(0, ·) where g.relu, else the identity; bias may be null. src is NCHW
// (plain), dst channels-last. With max_pool2 true, dst is that output max-pooled over 2x2
// windows at stride 2, [n][oh / 2][ow / 2][o] (a last odd row or column dropped, as PyTorch).
// Single-threaded: conv_batch_split gives each thread its share of the images.
void few_channel_conv_forward(const ConvGeometry& g, const float* src, const float* weight, const float* bias,
                              float* dst, bool max_pool2 = false);

NNLAB_ISA_DECLARE(bool few_channel_conv_applies(const ConvGeometry& g))
NNLAB_ISA_DECLARE(void few_channel_conv_forward(const ConvGeometry& g, const float* src, const float* weight,
                                                const float* bias, float* dst, bool max_pool2))

}  // namespace nnlab::cpu
