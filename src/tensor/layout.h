// Channels-last (NHWC) activations for convolutional networks. A tensor of shape
// [N, C, H, W] whose strides are {H·W·C, 1, W·C, C} holds its values in NHWC order: the
// layout oneDNN's convolution, batch norm and pooling kernels run on without a reorder
// (bench/conv_layout_bench.cpp: a resnet20 3x3 layer 1.6x faster forward than NCHW with
// reorders). It is an ordinary strided view, as PyTorch's channels_last: ops that do not
// know it call contiguous() and get NCHW, so only conv, batch norm, relu, pooling, add and
// the autograd engine handle it directly.
#pragma once

#include "nnlab/tensor.h"

namespace nnlab {

// True for a 4-D tensor with channels-last strides (dimensions of size 1 ignored) and no offset gaps.
bool is_channels_last(const Tensor& t);
// Contiguous or channels-last: its numel elements fill its storage densely from its data pointer.
bool is_dense(const Tensor& t);
// Two dense tensors of one shape whose elements sit in the same order: elementwise ops may
// walk both as flat arrays.
bool same_layout(const Tensor& a, const Tensor& b);

Tensor empty_channels_last(const Shape& shape);
// An uninitialised tensor of t's shape in t's layout (channels-last or contiguous).
Tensor empty_like_layout(const Tensor& t);
// t itself when channels-last, else a channels-last copy (t must be 4-D).
Tensor to_channels_last(const Tensor& t);
// t itself when it has ref's layout, else a copy in ref's layout (same shapes).
Tensor to_layout_of(const Tensor& t, const Tensor& ref);
// The first element of a dense tensor (data() accepts only contiguous ones).
float* dense_data(const Tensor& t);

namespace detail {
// NCHW <-> NHWC copies of `n` images of c x hw values.
void nchw_to_nhwc(const float* src, float* dst, int64_t n, int64_t c, int64_t hw);
void nhwc_to_nchw(const float* src, float* dst, int64_t n, int64_t c, int64_t hw);
}  // namespace detail

}  // namespace nnlab
