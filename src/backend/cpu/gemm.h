// Row-major single-precision matrix products through oneDNN's JIT sgemm.
#pragma once

#include <cstdint>

namespace nnlab::cpu {

// A · Bᵀ with fewer columns than this (one AVX-512 vector of float32) and at least 4x as many
// rows is computed transposed (gemm.cpp): callers choosing between Bᵀ and a transposed copy
// of B take Bᵀ below it.
constexpr int64_t kGemmFewColumns = 16;

// C[M,N] = alpha · op(A) · op(B) + beta · C, op = transpose when the flag is set.
// lda/ldb/ldc are row strides of the stored (untransposed) matrices.
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

// out[rows, cols] row i = bias (so a following gemm with beta = 1 adds the bias).
void broadcast_rows(float* out, const float* bias, int64_t rows, int64_t cols);
// out[cols] = column sums of in[rows, cols] (the bias gradient), overwriting out.
void column_sums(float* out, const float* in, int64_t rows, int64_t cols);

}  // namespace nnlab::cpu
