#include "backend/cpu/max_pool.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace nnlab::cpu {

namespace {

// NHWC: each output pixel takes the maximum of its window per channel, the channels in
// the innermost (vectorised) loop. Window positions are visited in row-major order and a
// value replaces the best only when strictly greater, or when it is the first NaN: the
// first maximum in row-major order, PyTorch's rule, as in the NCHW kernel.
void forward_nhwc(const PoolGeometry& g, const float* src, float* dst, int32_t* argmax) {
  const int64_t C = g.c;
#pragma omp parallel for collapse(2) schedule(static) if (g.n * g.oh * g.ow * C * g.kernel * g.kernel > (1 << 15))
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      const int64_t y0 = oy * g.stride - g.padding;
      const int64_t ya = std::max<int64_t>(y0, 0), yb = std::min<int64_t>(y0 + g.kernel, g.h);
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        const int64_t x0 = ox * g.stride - g.padding;
        const int64_t xa = std::max<int64_t>(x0, 0), xb = std::min<int64_t>(x0 + g.kernel, g.w);
        float* __restrict out = dst + ((n * g.oh + oy) * g.ow + ox) * C;
        int32_t* __restrict idx = argmax ? argmax + ((n * g.oh + oy) * g.ow + ox) * C : nullptr;
        const int32_t first = static_cast<int32_t>(ya * g.w + xa);
        for (int64_t c = 0; c < C; ++c) out[c] = -std::numeric_limits<float>::infinity();
        if (idx)
          for (int64_t c = 0; c < C; ++c) idx[c] = first;
        for (int64_t y = ya; y < yb; ++y)
          for (int64_t x = xa; x < xb; ++x) {
            const float* __restrict in = src + ((n * g.h + y) * g.w + x) * C;
            const int32_t at = static_cast<int32_t>(y * g.w + x);
            if (idx) {
#pragma omp simd
              for (int64_t c = 0; c < C; ++c) {
                const float v = in[c], b = out[c];
                const bool take = v > b || (v != v && b == b);
                out[c] = take ? v : b;
                idx[c] = take ? at : idx[c];
              }
            } else {
#pragma omp simd
              for (int64_t c = 0; c < C; ++c) {
                const float v = in[c], b = out[c];
                out[c] = (v > b || (v != v && b == b)) ? v : b;
              }
            }
          }
      }
    }
}

void backward_nhwc(const PoolGeometry& g, const float* diff_dst, const int32_t* argmax, float* diff_src) {
  const int64_t C = g.c, in_img = g.h * g.w * C, out_img = g.oh * g.ow * C;
#pragma omp parallel for schedule(static) if (g.n * in_img > (1 << 15))
  for (int64_t n = 0; n < g.n; ++n) {
    float* out = diff_src + n * in_img;
    std::fill(out, out + in_img, 0.0f);
    const float* gd = diff_dst + n * out_img;
    const int32_t* idx = argmax + n * out_img;
    for (int64_t p = 0; p < g.oh * g.ow; ++p)
      for (int64_t c = 0; c < C; ++c) out[idx[p * C + c] * C + c] += gd[p * C + c];
  }
}

}  // namespace

void max_pool2d_forward(const PoolGeometry& g, const float* src, float* dst, int32_t* argmax) {
  if (g.channels_last) return forward_nhwc(g, src, dst, argmax);
  const int64_t planes = g.n * g.c, in_plane = g.h * g.w, out_plane = g.oh * g.ow;
#pragma omp parallel for schedule(static) if (planes * out_plane * g.kernel * g.kernel > (1 << 15))
  for (int64_t p = 0; p < planes; ++p) {
    const float* in = src + p * in_plane;
    float* out = dst + p * out_plane;
    int32_t* idx = argmax ? argmax + p * out_plane : nullptr;
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      const int64_t y0 = oy * g.stride - g.padding;
      const int64_t ya = std::max<int64_t>(y0, 0), yb = std::min<int64_t>(y0 + g.kernel, g.h);
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        const int64_t x0 = ox * g.stride - g.padding;
        const int64_t xa = std::max<int64_t>(x0, 0), xb = std::min<int64_t>(x0 + g.kernel, g.w);
        float best = -std::numeric_limits<float>::infinity();
        int64_t at = ya * g.w + xa;
        for (int64_t y = ya; y < yb; ++y)
          for (int64_t x = xa; x < xb; ++x) {
            const float v = in[y * g.w + x];
            // Strictly greater keeps the first maximum; NaN propagates as in PyTorch.
            if (v > best || std::isnan(v)) {
              best = v;
              at = y * g.w + x;
              if (std::isnan(v)) y = yb, x = xb;
            }
          }
        out[oy * g.ow + ox] = best;
        if (idx) idx[oy * g.ow + ox] = static_cast<int32_t>(at);
      }
    }
  }
}

void max_pool2d_backward(const PoolGeometry& g, const float* diff_dst, const int32_t* argmax, float* diff_src) {
  if (g.channels_last) return backward_nhwc(g, diff_dst, argmax, diff_src);
  const int64_t planes = g.n * g.c, in_plane = g.h * g.w, out_plane = g.oh * g.ow;
#pragma omp parallel for schedule(static) if (planes * in_plane > (1 << 15))
  for (int64_t p = 0; p < planes; ++p) {
    float* out = diff_src + p * in_plane;
    std::fill(out, out + in_plane, 0.0f);
    const float* gd = diff_dst + p * out_plane;
    const int32_t* idx = argmax + p * out_plane;
    for (int64_t i = 0; i < out_plane; ++i) out[idx[i]] += gd[i];
  }
}

}  // namespace nnlab::cpu
