#include "backend/cpu/gemm.h"

#include <dnnl.hpp>
#include <fmt/format.h>

#include <omp.h>

#include <algorithm>
#include <vector>

#include "backend/cpu/context.h"
#include "nnlab/error.h"

namespace nnlab::cpu {

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0 ? 0.0f : beta * c[i * ldc + j];
    return;
  }
  // Below about four million multiply-adds (~40 us on one core) a sleeping worker's wake-up
  // costs about what it saves idle, and far more on a loaded machine (elementwise.h).
  ThreadLimit limit(m * n * k < (int64_t{1} << 22) ? 1 : omp_get_max_threads());
  dnnl_status_t st = dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  if (st != dnnl_success) throw Error(fmt::format("oneDNN sgemm failed (status {}) for {}x{}x{}", int(st), m, n, k));
}

void broadcast_rows(float* out, const float* bias, int64_t rows, int64_t cols) {
  for (int64_t i = 0; i < rows; ++i) std::copy(bias, bias + cols, out + i * cols);
}

void column_sums(float* out, const float* in, int64_t rows, int64_t cols) {
  std::fill(out, out + cols, 0.0f);
  for (int64_t i = 0; i < rows; ++i) {
    const float* r = in + i * cols;
#pragma omp simd
    for (int64_t j = 0; j < cols; ++j) out[j] += r[j];
  }
}

}  // namespace nnlab::cpu
