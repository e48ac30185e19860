#include "tensor/layout.h"

#include <algorithm>

#include "nnlab/error.h"
#include "tensor/tensor_impl.h"

namespace nnlab {

namespace {

Shape channels_last_strides(const Shape& s) { return {s[1] * s[2] * s[3], 1, s[3] * s[1], s[1]}; }

bool strides_match(const Shape& shape, const Shape& strides, const Shape& want) {
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] != 1 && strides[i] != want[i]) return false;
  return true;
}

// Copies tiles of a [rows, cols] matrix into its transpose; tiles keep both sides in cache.
void transpose_plane(const float* src, float* dst, int64_t rows, int64_t cols) {
  constexpr int64_t T = 16;
  for (int64_t r0 = 0; r0 < rows; r0 += T)
    for (int64_t c0 = 0; c0 < cols; c0 += T) {
      const int64_t r1 = std::min(rows, r0 + T), c1 = std::min(cols, c0 + T);
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t c = c0; c < c1; ++c) dst[c * rows + r] = src[r * cols + c];
    }
}

}  // namespace

bool is_channels_last(const Tensor& t) {
  if (!t.defined() || t.dim() != 4) return false;
  return strides_match(t.shape(), t.strides(), channels_last_strides(t.shape()));
}

bool is_dense(const Tensor& t) { return t.is_contiguous() || is_channels_last(t); }

bool same_layout(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return false;
  if (a.is_contiguous() && b.is_contiguous()) return true;
  return is_channels_last(a) && is_channels_last(b);
}

Tensor empty_channels_last(const Shape& shape) {
  if (shape.size() != 4) throw ShapeError("a channels-last tensor has 4 dimensions, got " + shape_str(shape));
  auto impl = make_impl(shape);
  impl->strides = channels_last_strides(shape);
  impl->contiguous = strides_are_contiguous(shape, impl->strides);
  return Tensor(std::move(impl));
}

Tensor empty_like_layout(const Tensor& t) {
  return is_channels_last(t) && !t.is_contiguous() ? empty_channels_last(t.shape()) : Tensor::empty(t.shape());
}

Tensor to_channels_last(const Tensor& t) {
  if (is_channels_last(t)) return t;
  Tensor src = t.contiguous();
  Tensor out = empty_channels_last(t.shape());
  detail::nchw_to_nhwc(src.data(), dense_data(out), t.size(0), t.size(1), t.size(2) * t.size(3));
  return out;
}

Tensor to_layout_of(const Tensor& t, const Tensor& ref) {
  if (same_layout(t, ref)) return t;
  if (is_channels_last(ref) && !ref.is_contiguous()) return to_channels_last(t);
  return t.contiguous();
}

float* dense_data(const Tensor& t) {
  if (!is_dense(t)) throw Error("dense_data() needs a contiguous or channels-last tensor");
  return t.impl()->data();
}

namespace detail {

void nchw_to_nhwc(const float* src, float* dst, int64_t n, int64_t c, int64_t hw) {
#pragma omp parallel for schedule(static) if (n * c * hw > (1 << 16))
  for (int64_t i = 0; i < n; ++i) transpose_plane(src + i * c * hw, dst + i * c * hw, c, hw);
}

void nhwc_to_nchw(const float* src, float* dst, int64_t n, int64_t c, int64_t hw) {
#pragma omp parallel for schedule(static) if (n * c * hw > (1 << 16))
  for (int64_t i = 0; i < n; ++i) transpose_plane(src + i * c * hw, dst + i * c * hw, hw, c);
}

}  // namespace detail

}  // namespace nnlab
