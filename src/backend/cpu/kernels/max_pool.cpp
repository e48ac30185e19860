// Compiled once per instruction-set level (isa.h).
#include "backend/cpu/max_pool.h"

#include "backend/cpu/elementwise.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#ifdef __AVX512F__
#include <immintrin.h>
#endif

namespace nnlab::cpu::NNLAB_ISA {

namespace {

// The input rows (or columns) [first, end) under output position `o`: the window clipped to
// the image, padding being outside it.
std::pair<int64_t, int64_t> window_span(const PoolGeometry& g, int64_t o, int64_t extent) {
  const int64_t start = o * g.stride - g.padding;
  return {std::max<int64_t>(start, 0), std::min<int64_t>(start + g.kernel, extent)};
}

// NHWC: each output pixel takes the maximum of its window per channel. Window positions
// are visited in row-major order and a value replaces the best only when strictly greater,
// or when it is the first NaN: the first maximum in row-major order, PyTorch's rule, as in
// the NCHW kernel. Channels go 16 at a time through AVX-512 registers (masked for the last
// block), the window loop innermost: with LeNet-5's 6 channels the compiler's scalar loop
// made pooling 12% of a training step (perf).
void window_max(const PoolGeometry& g, const float* src, int64_t n, int64_t ya, int64_t yb, int64_t xa, int64_t xb,
                float* __restrict out, int32_t* __restrict idx) {
  const int64_t C = g.c;
  const int32_t first = static_cast<int32_t>(ya * g.w + xa);
#ifdef __AVX512F__
  for (int64_t c0 = 0; c0 < C; c0 += 16) {
    const __mmask16 m = C - c0 >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (C - c0)) - 1);
    __m512 best = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    __m512i at = _mm512_set1_epi32(first);
    for (int64_t y = ya; y < yb; ++y)
      for (int64_t x = xa; x < xb; ++x) {
        const __m512 v = _mm512_maskz_loadu_ps(m, src + ((n * g.h + y) * g.w + x) * C + c0);
        const __mmask16 take = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) |
                               (_mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q) & _mm512_cmp_ps_mask(best, best, _CMP_ORD_Q));
        best = _mm512_mask_mov_ps(best, take, v);
        at = _mm512_mask_mov_epi32(at, take, _mm512_set1_epi32(static_cast<int32_t>(y * g.w + x)));
      }
    _mm512_mask_storeu_ps(out + c0, m, best);
    if (idx) _mm512_mask_storeu_epi32(idx + c0, m, at);
  }
#else
  for (int64_t c = 0; c < C; ++c) {
    float best = -std::numeric_limits<float>::infinity();
    int32_t at = first;
    for (int64_t y = ya; y < yb; ++y)
      for (int64_t x = xa; x < xb; ++x) {
        const float v = src[((n * g.h + y) * g.w + x) * C + c];
        if (v > best || (v != v && best == best)) {
          best = v;
          at = static_cast<int32_t>(y * g.w + x);
        }
      }
    out[c] = best;
    if (idx) idx[c] = at;
  }
#endif
}

void forward_nhwc(const PoolGeometry& g, const float* src, float* dst, int32_t* argmax) {
  const int64_t C = g.c;
#pragma omp parallel for collapse(2) schedule(static) if (g.n * g.oh * g.ow * C * g.kernel * g.kernel > kParallelGrain)
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      const auto [ya, yb] = window_span(g, oy, g.h);
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        const auto [xa, xb] = window_span(g, ox, g.w);
        const int64_t o = ((n * g.oh + oy) * g.ow + ox) * C;
        window_max(g, src, n, ya, yb, xa, xb, dst + o, argmax ? argmax + o : nullptr);
      }
    }
}

void backward_nhwc(const PoolGeometry& g, const float* diff_dst, const int32_t* argmax, float* diff_src) {
  const int64_t C = g.c, in_img = g.h * g.w * C, out_img = g.oh * g.ow * C;
#pragma omp parallel for schedule(static) if (g.n * in_img > kParallelGrain)
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
#pragma omp parallel for schedule(static) if (planes * out_plane * g.kernel * g.kernel > kParallelGrain)
  for (int64_t p = 0; p < planes; ++p) {
    const float* in = src + p * in_plane;
    float* out = dst + p * out_plane;
    int32_t* idx = argmax ? argmax + p * out_plane : nullptr;
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      const auto [ya, yb] = window_span(g, oy, g.h);
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        const auto [xa, xb] = window_span(g, ox, g.w);
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
#pragma omp parallel for schedule(static) if (planes * in_plane > kParallelGrain)
  for (int64_t p = 0; p < planes; ++p) {
    float* out = diff_src + p * in_plane;
    std::fill(out, out + in_plane, 0.0f);
    const float* gd = diff_dst + p * out_plane;
    const int32_t* idx = argmax + p * out_plane;
    for (int64_t i = 0; i < out_plane; ++i) out[idx[i]] += gd[i];
  }
}

}  // namespace nnlab::cpu::NNLAB_ISA
