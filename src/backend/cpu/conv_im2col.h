// Convolution as im2col + GEMM on channels-last data, for layers with few input channels
// (LeNet-5's convolutions, the 3-channel stems of the larger models). oneDNN 2.6's direct
// kernels vectorise over channels and run such layers at a small fraction of the machine:
// LeNet-5's backward-weights at 15-24 GFLOP/s, 71% of a LeNet-5 training step
// (bench/conv_layout_bench.cpp, DNNL_VERBOSE). Here each thread takes a contiguous share of
// the images, so the threads meet once per call; per image the window patches are gathered
// as rows of a [pixels, k·k·C] matrix (contiguous runs of C in NHWC) and one single-threaded
// sgemm does the arithmetic. The weight gradient sums per-thread partials in thread order:
// the same thread count gives the same bits.
#pragma once

#include "backend/cpu/onednn_conv.h"

namespace nnlab::cpu {

// Whether the im2col path is the faster one for this geometry.
bool im2col_conv_preferred(const ConvGeometry& g);

// Activations NHWC, weights OIHW, as for the oneDNN path. When `cols` is given the forward
// keeps every image's patch matrix there (im2col_cols_size floats) and the weight gradient
// reads them instead of gathering again: the gather was a third of a LeNet-5 step (perf).
int64_t im2col_cols_size(const ConvGeometry& g);
void im2col_conv_forward(const ConvGeometry& g, const float* src, const float* weight, const float* bias, float* dst,
                         float* cols = nullptr);
void im2col_conv_backward_data(const ConvGeometry& g, const float* diff_dst, const float* weight, float* diff_src);
void im2col_conv_backward_weights(const ConvGeometry& g, const float* src, const float* cols, const float* diff_dst,
                                  float* diff_weight, float* diff_bias);

}  // namespace nnlab::cpu
