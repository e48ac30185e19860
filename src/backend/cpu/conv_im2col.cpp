#include "backend/cpu/conv_im2col.h"

#include <omp.h>

#include <algorithm>
#include <vector>

#ifdef __AVX512F__
#include <immintrin.h>
#endif

#include "backend/cpu/gemm.h"

namespace nnlab::cpu {

namespace {

int64_t patch_size(const ConvGeometry& g) { return g.kh * g.kw * g.c; }
int64_t pixels(const ConvGeometry& g) { return g.oh * g.ow; }

// OIHW → [k·k·C, O] with rows ordered (ky, kx, c), the order of a patch row.
std::vector<float> weights_kc_o(const ConvGeometry& g, const float* w) {
  const int64_t K = patch_size(g);
  std::vector<float> out(static_cast<size_t>(K * g.o));
  for (int64_t o = 0; o < g.o; ++o)
    for (int64_t c = 0; c < g.c; ++c)
      for (int64_t ky = 0; ky < g.kh; ++ky)
        for (int64_t kx = 0; kx < g.kw; ++kx)
          out[((ky * g.kw + kx) * g.c + c) * g.o + o] = w[((o * g.c + c) * g.kh + ky) * g.kw + kx];
  return out;
}

// Short runs (kw·C floats: 15 and 30 in LeNet-5) copied or added 16 at a time with AVX-512:
// the compiler's loop for a run of 15 floats cost 40 ns per window row (bench/
// kernels_bench.cpp, im2col_forward at 24 GFLOP/s). Unless `exact`, copy_run stores whole
// vectors, writing up to 15 floats past the run: an image's patch rows are filled in
// increasing address order, so the spill is overwritten by the next run; runs near the end
// of the image's patches are exact, so nothing spills into another image (another
// thread's). A masked store was 40% of im2col's time on this CPU (perf annotate).
constexpr int64_t kSlack = 16;

inline void copy_run(float* dst, const float* src, int64_t n, bool exact) {
#ifdef __AVX512F__
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - i)) - 1);
    const __m512 v = _mm512_maskz_loadu_ps(m, src + i);
    if (exact) _mm512_mask_storeu_ps(dst + i, m, v);
    else _mm512_storeu_ps(dst + i, v);
  }
#else
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
#endif
}

inline void add_run(float* dst, const float* src, int64_t n) {
#ifdef __AVX512F__
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(dst + i, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, dst + i), _mm512_maskz_loadu_ps(m, src + i)));
  }
#else
  for (int64_t i = 0; i < n; ++i) dst[i] += src[i];
#endif
}

// The kx range [lo, hi) whose input column ox·s − pad + kx·d lies inside [0, w).
inline void valid_kx(const ConvGeometry& g, int64_t ox, int64_t& lo, int64_t& hi) {
  const int64_t x0 = ox * g.stride - g.padding, d = g.dilation;
  if (d == 1) {  // no divisions: two per pixel were most of im2col's time (perf annotate)
    lo = std::max<int64_t>(0, -x0);
    hi = std::max(lo, std::min(g.kw, g.w - x0));
    return;
  }
  lo = x0 >= 0 ? 0 : (-x0 + d - 1) / d;
  hi = std::min<int64_t>(g.kw, x0 < g.w ? (g.w - x0 + d - 1) / d : 0);
  if (hi < lo) hi = lo;
}

// One image's patches: row p (output pixel) holds the k·k·C inputs of its window, zeros
// where the window hangs over the padding. Without dilation the kw·C inputs of one window
// row are one contiguous run of the NHWC image: one copy loop, not kw copies of C floats
// (memcpy calls of 3 floats were half of a LeNet-5 step; perf).
void im2col(const ConvGeometry& g, const float* img, float* cols) {
  const int64_t C = g.c, K = patch_size(g), d = g.dilation, run = g.kw * C;
  const float* image_end = cols + pixels(g) * K;
  for (int64_t oy = 0; oy < g.oh; ++oy)
    for (int64_t ox = 0; ox < g.ow; ++ox) {
      float* row = cols + (oy * g.ow + ox) * K;
      int64_t lo, hi;
      valid_kx(g, ox, lo, hi);
      const int64_t x0 = ox * g.stride - g.padding;
      for (int64_t ky = 0; ky < g.kh; ++ky) {
        const int64_t y = oy * g.stride - g.padding + ky * d;
        float* dst = row + ky * run;
        if (y < 0 || y >= g.h) {
          std::fill(dst, dst + run, 0.0f);
          continue;
        }
        const float* line = img + y * g.w * C;
        if (lo > 0) std::fill(dst, dst + lo * C, 0.0f);
        if (d == 1) {
          const int64_t n = (hi - lo) * C;
          float* at = dst + lo * C;
          copy_run(at, line + (x0 + lo) * C, n, at + (n + 15) / 16 * 16 > image_end);
        } else {
          for (int64_t kx = lo; kx < hi; ++kx)
            for (int64_t c = 0; c < C; ++c) dst[kx * C + c] = line[(x0 + kx * d) * C + c];
        }
        if (hi < g.kw) std::fill(dst + hi * C, dst + run, 0.0f);
      }
    }
}

// The adjoint of im2col: adds each patch row back onto the image (which the caller zeroed).
void col2im(const ConvGeometry& g, const float* cols, float* img) {
  const int64_t C = g.c, K = patch_size(g), d = g.dilation, run = g.kw * C;
  for (int64_t oy = 0; oy < g.oh; ++oy)
    for (int64_t ox = 0; ox < g.ow; ++ox) {
      const float* row = cols + (oy * g.ow + ox) * K;
      int64_t lo, hi;
      valid_kx(g, ox, lo, hi);
      const int64_t x0 = ox * g.stride - g.padding;
      for (int64_t ky = 0; ky < g.kh; ++ky) {
        const int64_t y = oy * g.stride - g.padding + ky * d;
        if (y < 0 || y >= g.h) continue;
        const float* src = row + ky * run;
        float* line = img + y * g.w * C;
        if (d == 1) {
          add_run(line + (x0 + lo) * C, src + lo * C, (hi - lo) * C);
        } else {
          for (int64_t kx = lo; kx < hi; ++kx)
            for (int64_t c = 0; c < C; ++c) line[(x0 + kx * d) * C + c] += src[kx * C + c];
        }
      }
    }
}

// Splits the images over the threads; f(first, last, thread) runs once per thread.
template <class F>
void over_images(const ConvGeometry& g, F&& f) {
  const int nt = static_cast<int>(std::min<int64_t>(omp_get_max_threads(), g.n));
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num(), n = omp_get_num_threads();
    f(g.n * t / n, g.n * (t + 1) / n, t);
  }
}

}  // namespace

bool im2col_conv_preferred(const ConvGeometry& g) { return g.c <= 8; }

int64_t im2col_cols_size(const ConvGeometry& g) { return g.n * pixels(g) * patch_size(g) + kSlack; }

namespace {

// Images go through the GEMMs in groups: one product of [group·P, K] rows instead of one per
// image, since products with a handful of output columns (6 for LeNet-5's first layer) are
// cheaper per row when tall. Groups bound the scratch memory where patches are not kept.
constexpr int64_t kGroup = 16;

}  // namespace

void im2col_conv_forward(const ConvGeometry& g, const float* src, const float* weight, const float* bias, float* dst,
                         float* keep) {
  const int64_t K = patch_size(g), P = pixels(g), in_img = g.h * g.w * g.c, out_img = P * g.o;
  const std::vector<float> wt = weights_kc_o(g, weight);
  over_images(g, [&](int64_t first, int64_t last, int) {
    const int64_t group = keep ? std::max<int64_t>(last - first, 1) : kGroup;
    std::vector<float> scratch(keep ? 0 : static_cast<size_t>(group * P * K + kSlack));
    for (int64_t n0 = first; n0 < last; n0 += group) {
      const int64_t n1 = std::min(last, n0 + group), rows = (n1 - n0) * P;
      float* cols = keep ? keep + n0 * P * K : scratch.data();
      for (int64_t n = n0; n < n1; ++n) im2col(g, src + n * in_img, cols + (n - n0) * P * K);
      float* out = dst + n0 * out_img;
      if (bias) broadcast_rows(out, bias, rows, g.o);
      gemm(false, false, rows, g.o, K, 1.0f, cols, K, wt.data(), g.o, bias ? 1.0f : 0.0f, out, g.o);
    }
  });
}

void im2col_conv_backward_data(const ConvGeometry& g, const float* diff_dst, const float* weight, float* diff_src) {
  const int64_t K = patch_size(g), P = pixels(g), in_img = g.h * g.w * g.c, out_img = P * g.o;
  const std::vector<float> wt = weights_kc_o(g, weight);
  over_images(g, [&](int64_t first, int64_t last, int) {
    std::vector<float> cols(static_cast<size_t>(kGroup * P * K));
    for (int64_t n0 = first; n0 < last; n0 += kGroup) {
      const int64_t n1 = std::min(last, n0 + kGroup), rows = (n1 - n0) * P;
      // dcols[rows, K] = dY[rows, O] · Wtᵀ, then scattered back onto each image.
      gemm(false, true, rows, K, g.o, 1.0f, diff_dst + n0 * out_img, g.o, wt.data(), g.o, 0.0f, cols.data(), K);
      for (int64_t n = n0; n < n1; ++n) {
        float* img = diff_src + n * in_img;
        std::fill(img, img + in_img, 0.0f);
        col2im(g, cols.data() + (n - n0) * P * K, img);
      }
    }
  });
}

void im2col_conv_backward_weights(const ConvGeometry& g, const float* src, const float* kept, const float* diff_dst,
                                  float* diff_weight, float* diff_bias) {
  const int64_t K = patch_size(g), P = pixels(g), in_img = g.h * g.w * g.c, out_img = P * g.o;
  const int nt = static_cast<int>(std::min<int64_t>(omp_get_max_threads(), g.n));
  // Per thread: dWt[K, O] and the bias gradient [O].
  std::vector<float> partial(static_cast<size_t>(nt * (K + 1) * g.o), 0.0f);
  over_images(g, [&](int64_t first, int64_t last, int t) {
    const int64_t group = kept ? std::max<int64_t>(last - first, 1) : kGroup;
    std::vector<float> scratch(kept ? 0 : static_cast<size_t>(group * P * K + kSlack));
    float* dwt = partial.data() + t * (K + 1) * g.o;
    float* db = dwt + K * g.o;
    for (int64_t n0 = first; n0 < last; n0 += group) {
      const int64_t n1 = std::min(last, n0 + group), rows = (n1 - n0) * P;
      const float* cols = kept ? kept + n0 * P * K : scratch.data();
      if (!kept)
        for (int64_t n = n0; n < n1; ++n) im2col(g, src + n * in_img, scratch.data() + (n - n0) * P * K);
      const float* dy = diff_dst + n0 * out_img;
      // dWt[K, O] += colsᵀ[K, rows] · dY[rows, O]
      gemm(true, false, K, g.o, rows, 1.0f, cols, K, dy, g.o, 1.0f, dwt, g.o);
      if (diff_bias)
        for (int64_t p = 0; p < rows; ++p)
#pragma omp simd
          for (int64_t o = 0; o < g.o; ++o) db[o] += dy[p * g.o + o];
    }
  });
  for (int t = 1; t < nt; ++t)
    for (int64_t i = 0; i < (K + 1) * g.o; ++i) partial[i] += partial[t * (K + 1) * g.o + i];
  for (int64_t o = 0; o < g.o; ++o)
    for (int64_t c = 0; c < g.c; ++c)
      for (int64_t ky = 0; ky < g.kh; ++ky)
        for (int64_t kx = 0; kx < g.kw; ++kx)
          diff_weight[((o * g.c + c) * g.kh + ky) * g.kw + kx] = partial[((ky * g.kw + kx) * g.c + c) * g.o + o];
  if (diff_bias) std::copy_n(partial.data() + K * g.o, g.o, diff_bias);
}

}  // namespace nnlab::cpu
