#include "backend/cpu/gemm.h"

#include <dnnl.hpp>
#include <fmt/format.h>

#include <omp.h>

#include <algorithm>
#include <exception>
#include <vector>

#include "backend/cpu/context.h"
#include "backend/cpu/onednn_util.h"
#include "backend/cpu/scratch.h"
#include "nnlab/error.h"

namespace nnlab::cpu {

namespace {

constexpr int64_t kFewColumns = kGemmFewColumns;
constexpr int64_t kLongK = 1024;

void sgemm_block(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                 int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  dnnl_status_t st = dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  if (st != dnnl_success) throw Error(fmt::format("oneDNN sgemm failed (status {}) for {}x{}x{}", int(st), m, n, k));
}

}  // namespace

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0 ? 0.0f : beta * c[i * ldc + j];
    return;
  }
  // A · Bᵀ with few columns (a classifier's 10 logits) and many rows runs as Cᵀ = B · Aᵀ into
  // scratch, then transposed into C: oneDNN's kernels for a C a few columns wide leave most
  // of each vector empty, while Cᵀ's rows are the long side. Logistic regression's forward
  // pass (64 x 3072 times 3072 x 10, 2 threads) took 68 us as it is and 35 us this way; the
  // MLP's last layer (64 x 256 times 256 x 10) 8.4 and 4.7 us.
  if (!trans_a && trans_b && n < kFewColumns && m >= 4 * n) {
    Scratch t(static_cast<size_t>(m * n));
    gemm(false, true, n, m, k, alpha, b, ldb, a, lda, 0.0f, t.data(), m);
    const float* ct = t.data();
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        c[i * ldc + j] = beta == 0 ? ct[j * m + i] : ct[j * m + i] + beta * c[i * ldc + j];
    return;
  }
  // A · Bᵀ long in k (the MLP's first layer: 3072 inputs) runs as Cᵀ = B · Aᵀ on a transposed
  // copy of A, a product without transposed operands, which oneDNN runs faster than one with
  // them: 64 x 3072 times 3072 x 512 on 2 threads took 1425 us as it is and 1090 us this way,
  // the two transpositions included (94 and 21 us); at batch 256 4618 against 4165 us. With
  // 784 inputs (Fashion-MNIST's) it lost at batch 64, so the bound on k.
  if (!trans_a && trans_b && k >= kLongK && n >= 4 * kFewColumns && m >= 2 * kFewColumns) {
    using dnnl::memory;
    Scratch at(static_cast<size_t>(m * k)), ct(static_cast<size_t>(m * n));
    const memory::desc a_md({m, k}, dt::f32, memory::dims{lda, 1}), at_md({m, k}, dt::f32, tag::ba);
    const memory::desc c_md({m, n}, dt::f32, memory::dims{ldc, 1}), ct_md({m, n}, dt::f32, tag::ba);
    reorder(a_md, a, at_md, at.data());
    if (beta != 0) reorder(c_md, c, ct_md, ct.data());
    gemm(false, false, n, m, k, alpha, b, ldb, at.data(), m, beta, ct.data(), m);
    reorder(ct_md, ct.data(), c_md, c);
    return;
  }
  // Below about a million multiply-adds (~10 us on one core) waking the worker costs about
  // what it saves; it spins for 8 us after each region (thread_environment.cpp), so during
  // a training step it is usually awake. LeNet-5's fc1 (64 x 400 x 120, three products a
  // step) went to both cores when this bound fell from four million: 29.5k -> 31.3k images/s
  // (medians of four alternating runs, 1x28x28, batch 64).
  const int threads = m * n * k < (int64_t{1} << 20) ? 1 : omp_get_max_threads();
  if (threads == 1) {
    ThreadLimit limit(threads);
    sgemm_block(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  // Larger products: each thread computes its own block of C (rows or columns, whichever is
  // longer, in multiples of 16) with a single-threaded sgemm. oneDNN's own threading of a
  // 64-row product left the second core mostly idle: mlp training at batch 64 ran 9.6-10.0k
  // images/s this way against 15.1-15.3k split by columns (nnlab bench, 3x32x32, 2 threads).
  const bool by_rows = m > n;
  const int64_t extent = by_rows ? m : n;
  std::exception_ptr failure;
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t step = (extent + nt - 1) / nt;
    const int64_t per = (step + 15) / 16 * 16;
    const int64_t lo = std::min<int64_t>(extent, t * per), hi = std::min<int64_t>(extent, lo + per);
    if (lo < hi) {
      try {
        if (by_rows)
          sgemm_block(trans_a, trans_b, hi - lo, n, k, alpha, trans_a ? a + lo : a + lo * lda, lda, b, ldb, beta,
                      c + lo * ldc, ldc);
        else
          sgemm_block(trans_a, trans_b, m, hi - lo, k, alpha, a, lda, trans_b ? b + lo * ldb : b + lo, ldb, beta,
                      c + lo, ldc);
      } catch (...) {
#pragma omp critical
        failure = std::current_exception();
      }
    }
  }
  if (failure) std::rethrow_exception(failure);
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
