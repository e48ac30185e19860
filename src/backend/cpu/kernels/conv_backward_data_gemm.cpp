// Compiled once per instruction-set level (isa.h).
#include "backend/cpu/conv_backward_data_gemm.h"

#include <algorithm>
#include <vector>

#ifdef __AVX512F__
#include <immintrin.h>
#endif

#include "backend/cpu/gemm.h"

namespace nnlab::cpu::NNLAB_ISA {

namespace {

constexpr int64_t kBlock = 256;  // output pixels per sgemm: 256 patches of LeNet's conv2 are 150 KiB

// dst[0, n) += src[0, n). The runs are short (LeNet's conv2: 30 floats), so the tail goes
// through a masked vector rather than the compiler's scalar epilogue, which took as long
// as the vector part.
void add_run(float* __restrict dst, const float* __restrict src, int64_t n) {
#ifdef __AVX512F__
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(dst + i, _mm512_add_ps(_mm512_loadu_ps(dst + i), _mm512_loadu_ps(src + i)));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(dst + i, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, dst + i), _mm512_maskz_loadu_ps(m, src + i)));
  }
#else
  for (int64_t i = 0; i < n; ++i) dst[i] += src[i];
#endif
}

}  // namespace

void gemm_conv_backward_data(const ConvGeometry& g, const float* diff_dst, const float* weight, float* diff_src) {
  const int64_t C = g.c, O = g.o, patch = g.kh * g.kw * C;
  // The weights as [O][kh][kw][C], so that a patch row (fixed ky) is kw x C floats in the
  // order of the input gradient's channels-last row.
  std::vector<float> w(static_cast<size_t>(O * patch));
  for (int64_t o = 0; o < O; ++o)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t ky = 0; ky < g.kh; ++ky)
        for (int64_t kx = 0; kx < g.kw; ++kx)
          w[o * patch + (ky * g.kw + kx) * C + c] = weight[((o * C + c) * g.kh + ky) * g.kw + kx];
  std::fill(diff_src, diff_src + g.n * g.h * g.w * C, 0.0f);
  std::vector<float> patches(static_cast<size_t>(kBlock * patch));
  const int64_t pixels = g.n * g.oh * g.ow, plane = g.oh * g.ow;
  for (int64_t p0 = 0; p0 < pixels; p0 += kBlock) {
    const int64_t rows = std::min(kBlock, pixels - p0);
    gemm(false, false, rows, patch, O, 1.0f, diff_dst + p0 * O, O, w.data(), patch, 0.0f, patches.data(), patch);
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t p = p0 + r, n = p / plane, oy = p % plane / g.ow, ox = p % g.ow;
      const int64_t x0 = ox * g.stride - g.padding;  // input column under kx = 0
      const int64_t kx_begin = std::max<int64_t>(0, -x0), kx_end = std::min(g.kw, g.w - x0);
      if (kx_begin >= kx_end) continue;
      const int64_t run = (kx_end - kx_begin) * C;
      for (int64_t ky = 0; ky < g.kh; ++ky) {
        const int64_t iy = oy * g.stride - g.padding + ky;
        if (iy < 0 || iy >= g.h) continue;
        float* dst = diff_src + ((n * g.h + iy) * g.w + x0 + kx_begin) * C;
        const float* src = patches.data() + r * patch + (ky * g.kw + kx_begin) * C;
        add_run(dst, src, run);
      }
    }
  }
}

}  // namespace nnlab::cpu::NNLAB_ISA
