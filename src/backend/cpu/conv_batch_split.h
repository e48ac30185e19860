// Convolution with the batch split over the threads: each thread runs oneDNN's kernels
// single-threaded on its share of the images, and the weight gradient is the sum of the
// shares' in thread order (the same thread count gives the same bits). oneDNN's own
// threading synchronises inside its kernels with spinning barriers: on this shared 2-core
// machine LeNet-5's backward-weights took 7 ms on 2 threads where one thread alone takes
// 1.1 ms (DNNL_VERBOSE under load; bench/conv_layout_bench.cpp with OMP_NUM_THREADS=1).
// Here the threads meet once per call, at OpenMP's (sleeping) barrier. Forward convolutions
// of images with few channels take nnlab's own kernel (conv_few_channels.h) instead of oneDNN's,
// and backward-data with few input channels a GEMM (conv_backward_data_gemm.h). Winograd
// layers (nnlab/conv_algorithm.h) run on the whole batch with oneDNN's threads.
#pragma once

#include "backend/cpu/onednn_conv.h"

namespace nnlab::cpu {

// Same contracts as conv2d_forward, conv2d_backward_data and conv2d_backward_weights, except
// that where few_channel_conv_applies(g) src is NCHW (plain), not channels-last, and
// max_pool2 (only there) writes the output max-pooled 2x2 at stride 2 (conv_few_channels.h).
void split_conv2d_forward(const ConvGeometry& g, const void* src, WeightRef weight, const float* bias, float* dst,
                          bool training, bool max_pool2 = false);
// Whether split_conv2d_forward runs g on the few-channel kernel: NCHW input, and max_pool2 taken.
bool split_conv2d_is_few_channel(const ConvGeometry& g);
void split_conv2d_backward_data(const ConvGeometry& g, const void* diff_dst, WeightRef weight, float* diff_src);
void split_conv2d_backward_weights(const ConvGeometry& g, const void* src, const void* diff_dst, float* diff_weight,
                                   float* diff_bias);

}  // namespace nnlab::cpu
