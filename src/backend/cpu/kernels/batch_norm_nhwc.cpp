// Compiled once per instruction-set level (isa.h).
#include "backend/cpu/batch_norm_nhwc.h"

#include "backend/cpu/elementwise.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace nnlab::cpu::NNLAB_ISA {

namespace {

// Rows are summed in float over blocks of 16 (a vectorised inner loop), the blocks in double.
// Float accumulators over blocks of 256 rows missed PyTorch's gradients by 1e-3 relative in
// the zoo golden test (resnet18 on 1x32x32: an ill-conditioned batch norm amplifies the
// rounding); double accumulators per row passed but made the backward's sums 16% of a
// resnet20 step (perf); blocks of 16 pass at a fraction of the cost.
constexpr int64_t kBlock = 16;
// Below this many values one thread does the work: a fork/join costs more (elementwise.h).
constexpr int64_t kParallelValues = kParallelGrain;

int threads_for(const BnRows& g) { return g.rows * g.c >= kParallelValues ? omp_get_max_threads() : 1; }

// out[j][c] = Σ_rows f_j(row) for `k` per-channel sums at once; f(r, acc) adds row r's terms
// to acc[0..k·c).
template <class RowFn>
void channel_sums(const BnRows& g, int k, double* out, RowFn&& f) {
  const int nt = threads_for(g);
  const int64_t width = k * g.c;
  std::vector<double> partial(static_cast<size_t>(nt * width), 0.0);
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num(), n = omp_get_num_threads();
    const int64_t r0 = g.rows * t / n, r1 = g.rows * (t + 1) / n;
    std::vector<float> acc(static_cast<size_t>(width));
    double* mine = partial.data() + t * width;
    for (int64_t b = r0; b < r1; b += kBlock) {
      std::fill(acc.begin(), acc.end(), 0.0f);
      const int64_t e = std::min(r1, b + kBlock);
      for (int64_t r = b; r < e; ++r) f(r, acc.data());
      for (int64_t j = 0; j < width; ++j) mine[j] += acc[j];
    }
  }
  for (int64_t j = 0; j < width; ++j) {
    double s = 0;
    for (int t = 0; t < nt; ++t) s += partial[t * width + j];
    out[j] = s;
  }
}

// y = x·scale + shift per channel [then ReLU].
void affine_rows(const BnRows& g, const float* x, const float* scale, const float* shift, float* y, bool relu) {
  const int64_t C = g.c;
#pragma omp parallel for schedule(static) num_threads(threads_for(g))
  for (int64_t r = 0; r < g.rows; ++r) {
    const float* xr = x + r * C;
    float* yr = y + r * C;
    if (relu) {
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) yr[c] = std::max(xr[c] * scale[c] + shift[c], 0.0f);
    } else {
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) yr[c] = xr[c] * scale[c] + shift[c];
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
  const int64_t C = g.c;
  channel_sums(g, 1, sum, [&](int64_t r, float* acc) {
    const float* xr = x + r * C;
#pragma omp simd
    for (int64_t c = 0; c < C; ++c) acc[c] += xr[c];
  });
  for (int64_t c = 0; c < C; ++c) shift[c] = static_cast<float>(sum[c] / static_cast<double>(g.rows));
  // Squares of centred values (two passes), not Σx² alone, which cancels badly in float.
  channel_sums(g, 1, centred, [&](int64_t r, float* acc) {
    const float* xr = x + r * C;
    const float* m = shift;
#pragma omp simd
    for (int64_t c = 0; c < C; ++c) {
      const float d = xr[c] - m[c];
      acc[c] += d * d;
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
  const int64_t C = g.c;
  channel_sums(g, 2, sums, [&](int64_t r, float* __restrict acc) {
    const float *xr = x + r * C, *dr = dy + r * C, *yr = relu ? y + r * C : nullptr;
    float* __restrict a1 = acc + C;
    if (relu) {
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) {
        const float d = yr[c] > 0.0f ? dr[c] : 0.0f;
        acc[c] += d;
        a1[c] += d * (xr[c] - mean[c]);
      }
    } else {
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) {
        acc[c] += dr[c];
        a1[c] += dr[c] * (xr[c] - mean[c]);
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
#pragma omp parallel for schedule(static) num_threads(threads_for(g))
  for (int64_t r = 0; r < g.rows; ++r) {
    const float *xr = x + r * C, *dr = dy + r * C, *yr = relu ? y + r * C : nullptr;
    float* o = dx + r * C;
#pragma omp simd
    for (int64_t c = 0; c < C; ++c) {
      const float d = relu && !(yr[c] > 0.0f) ? 0.0f : dr[c];
      o[c] = k_dy[c] * d - k_x[c] * (xr[c] - mean[c]) - k_0[c];
    }
  }
}

}  // namespace nnlab::cpu::NNLAB_ISA
