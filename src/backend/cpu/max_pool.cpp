#include "backend/cpu/max_pool.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace nnlab::cpu {

void max_pool2d_forward(const PoolGeometry& g, const float* src, float* dst, int32_t* argmax) {
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
