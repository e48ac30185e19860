// Compiled once per instruction-set level (isa.h).
#include "backend/cpu/batch_norm_nhwc.h"

#include "backend/cpu/elementwise.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace nnlab::cpu::NNLAB_ISA {

namespace {

// Values are summed in float over blocks of 16 chunks (below; each float accumulator takes one
// value per chunk, so 16 values, as when a chunk was one row), the blocks in double.
// Float accumulators over blocks of 256 rows missed PyTorch's gradients by 1e-3 relative in
// the zoo golden test (resnet18 on 1x32x32: an ill-conditioned batch norm amplifies the
// rounding); double accumulators per row passed but made the backward's sums 16% of a
// resnet20 step (perf); blocks of 16 pass at a fraction of the cost.
constexpr int64_t kBlock = 16;
// Below this many values one thread does the work: a fork/join costs more (elementwise.h).
constexpr int64_t kParallelValues = kParallelGrain;

int threads_for(const BnRows& g) { return g.rows * g.c >= kParallelValues ? omp_get_max_threads() : 1; }

// The loops run over chunks of consecutive rows, kWide values or more at a time, not row by
// row: a row of resnet20's first stage is 16 channels, one vector, and the loop set up for
// each row cost more than its arithmetic (64x16x32x32: 741 us forward and 597 us backward
// against 240 and 302 us for 64x64x16x16, the same bytes). A chunk starts at a row, so its
// element j is channel j mod c: per-channel vectors are repeated to a chunk's width.
constexpr int64_t kWide = 256;

struct Chunks {
  int64_t width, total, count;  // values per chunk (whole rows), values in all, chunks
  int64_t begin(int64_t i) const { return i * width; }
  int64_t size(int64_t i) const { return std::min(width, total - i * width); }
};

Chunks chunks_of(const BnRows& g) {
  const int64_t w = (g.c < kWide ? kWide / g.c : 1) * g.c, total = g.rows * g.c;
  return {w, total, w == 0 ? 0 : (total + w - 1) / w};
}

// v[0, c) repeated to `width` values (v itself when a chunk is one row).
class Tiled {
 public:
  Tiled(const float* v, int64_t c, int64_t width) : p_(v) {
    if (width == c) return;
    own_.resize(static_cast<size_t>(width));
    for (int64_t j = 0; j < width; ++j) own_[j] = v[j % c];
    p_ = own_.data();
  }
  const float* data() const { return p_; }

 private:
  std::vector<float> own_;
  const float* p_;
};

// out[j][c] = Σ over the rows of f_j for `k` per-channel sums at once; f(begin, size, acc)
// adds the terms of the values [begin, begin + size) to acc[i·width + position].
template <class ChunkFn>
void channel_sums(const BnRows& g, int k, double* out, ChunkFn&& f) {
  const Chunks ch = chunks_of(g);
  const int nt = threads_for(g);
  const int64_t width = k * ch.width;
  std::vector<double> partial(static_cast<size_t>(nt * width), 0.0);
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num(), n = omp_get_num_threads();
    const int64_t c0 = ch.count * t / n, c1 = ch.count * (t + 1) / n;
    std::vector<float> acc(static_cast<size_t>(width));
    double* mine = partial.data() + t * width;
    for (int64_t b = c0; b < c1; b += kBlock) {
      std::fill(acc.begin(), acc.end(), 0.0f);
      const int64_t e = std::min(c1, b + kBlock);
      for (int64_t i = b; i < e; ++i) f(ch.begin(i), ch.size(i), acc.data());
      for (int64_t j = 0; j < width; ++j) mine[j] += acc[j];
    }
  }
  // Fold each chunk position onto its channel, threads in order.
  const int64_t rows_per_chunk = ch.width / g.c;
  for (int i = 0; i < k; ++i)
    for (int64_t c = 0; c < g.c; ++c) {
      double s = 0;
      for (int t = 0; t < nt; ++t)
        for (int64_t q = 0; q < rows_per_chunk; ++q) s += partial[t * width + i * ch.width + q * g.c + c];
      out[i * g.c + c] = s;
    }
}

// y = x·scale + shift per channel [then ReLU].
void affine_rows(const BnRows& g, const float* x, const float* scale, const float* shift, float* y, bool relu) {
  const Chunks ch = chunks_of(g);
  const Tiled sc(scale, g.c, ch.width), sh(shift, g.c, ch.width);
  const float *a = sc.data(), *b = sh.data();
#pragma omp parallel for schedule(static) num_threads(threads_for(g))
  for (int64_t i = 0; i < ch.count; ++i) {
    const float* xr = x + ch.begin(i);
    float* yr = y + ch.begin(i);
    const int64_t n = ch.size(i);
    if (relu) {
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) yr[j] = std::max(xr[j] * a[j] + b[j], 0.0f);
    } else {
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) yr[j] = xr[j] * a[j] + b[j];
    }
  }
}

void scale_shift(const BnRows& g, const float* gamma, const float* beta, const float* mean, const float* var,
                 std::vector<float>& scale, std::vector<float>& shift) {
  scale.resize(g.c);
  shift.resize(g.c);
  for (int64_t c = 0; c < g.c; ++c) {
    const float inv = 1.0f / std::sqrt(var[c] + g.eps);
    scale[c] = (gamma ? gamma[c] : 1.0f) * inv;
    shift[c] = (beta ? beta[c] : 0.0f) - mean[c] * scale[c];
  }
}

}  // namespace

void bn_rows_moments(const BnRows& g, const float* x, double* sum, double* centred, float* shift) {
  channel_sums(g, 1, sum, [&](int64_t begin, int64_t n, float* acc) {
    const float* xr = x + begin;
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) acc[j] += xr[j];
  });
  for (int64_t c = 0; c < g.c; ++c) shift[c] = static_cast<float>(sum[c] / static_cast<double>(g.rows));
  // Squares of centred values (two passes), not Σx² alone, which cancels badly in float.
  const Tiled m(shift, g.c, chunks_of(g).width);
  channel_sums(g, 1, centred, [&](int64_t begin, int64_t n, float* acc) {
    const float* xr = x + begin;
    const float* mr = m.data();
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) {
      const float d = xr[j] - mr[j];
      acc[j] += d * d;
    }
  });
}

void bn_rows_forward_inference(const BnRows& g, const float* x, const float* gamma, const float* beta,
                               const float* mean, const float* var, float* y, bool relu) {
  std::vector<float> scale, shift;
  scale_shift(g, gamma, beta, mean, var, scale, shift);
  affine_rows(g, x, scale.data(), shift.data(), y, relu);
}

void bn_rows_backward_sums(const BnRows& g, const float* x, const float* dy, const float* y, const float* mean,
                           double* sums, bool relu) {
  const int64_t w = chunks_of(g).width;
  const Tiled m(mean, g.c, w);
  channel_sums(g, 2, sums, [&](int64_t begin, int64_t n, float* __restrict acc) {
    const float *xr = x + begin, *dr = dy + begin, *yr = relu ? y + begin : nullptr, *mr = m.data();
    float* __restrict a1 = acc + w;
    if (relu) {
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) {
        const float d = yr[j] > 0.0f ? dr[j] : 0.0f;
        acc[j] += d;
        a1[j] += d * (xr[j] - mr[j]);
      }
    } else {
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) {
        acc[j] += dr[j];
        a1[j] += dr[j] * (xr[j] - mr[j]);
      }
    }
  });
}

void bn_rows_backward_data(const BnRows& g, const float* x, const float* dy, const float* y, const float* gamma,
                           const float* mean, const float* var, const double* sums, double count, float* dx,
                           bool relu) {
  const int64_t C = g.c;
  // dx = γ/σ · (dy − Σdy/n − (x−μ)/σ² · Σdy(x−μ)/n), σ = √(var+ε).
  std::vector<float> k_dy(C), k_x(C), k_0(C);
  for (int64_t c = 0; c < C; ++c) {
    const double inv = 1.0 / std::sqrt(static_cast<double>(var[c]) + g.eps);
    const double gm = gamma ? gamma[c] : 1.0;
    k_dy[c] = static_cast<float>(gm * inv);
    k_x[c] = static_cast<float>(gm * inv * inv * inv * sums[C + c] / count);
    k_0[c] = static_cast<float>(gm * inv * sums[c] / count);
  }
  const Chunks ch = chunks_of(g);
  const Tiled kd(k_dy.data(), C, ch.width), kx(k_x.data(), C, ch.width), k0(k_0.data(), C, ch.width),
      m(mean, C, ch.width);
  const float *a = kd.data(), *b = kx.data(), *z = k0.data(), *mr = m.data();
#pragma omp parallel for schedule(static) num_threads(threads_for(g))
  for (int64_t i = 0; i < ch.count; ++i) {
    const float *xr = x + ch.begin(i), *dr = dy + ch.begin(i), *yr = relu ? y + ch.begin(i) : nullptr;
    float* o = dx + ch.begin(i);
    const int64_t n = ch.size(i);
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) {
      const float d = relu && !(yr[j] > 0.0f) ? 0.0f : dr[j];
      o[j] = a[j] * d - b[j] * (xr[j] - mr[j]) - z[j];
    }
  }
}

}  // namespace nnlab::cpu::NNLAB_ISA
