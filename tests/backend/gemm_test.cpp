// The matrix product against a direct double-precision loop, at sizes above the one-thread
// threshold, so that the blocks each thread computes (split by rows or by columns) are
// checked with every combination of transposes and with leading dimensions wider than the
// matrices.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "backend/cpu/gemm.h"
#include "nnlab/backend.h"
#include "nnlab/generator.h"

namespace {

struct Case {
  int64_t m, n, k;
};

void check(bool ta, bool tb, Case s, int threads) {
  const int64_t pad = 3;  // leading dimensions wider than the rows
  const int64_t a_rows = ta ? s.k : s.m, a_cols = ta ? s.m : s.k;
  const int64_t b_rows = tb ? s.n : s.k, b_cols = tb ? s.k : s.n;
  const int64_t lda = a_cols + pad, ldb = b_cols + pad, ldc = s.n + pad;
  std::vector<float> a(a_rows * lda), b(b_rows * ldb), c(s.m * ldc);
  nnlab::Generator gen(7);
  for (auto& v : a) v = gen.uniform() * 2 - 1;
  for (auto& v : b) v = gen.uniform() * 2 - 1;
  for (auto& v : c) v = gen.uniform() * 2 - 1;
  const std::vector<float> c0 = c;
  nnlab::set_num_threads(threads);
  nnlab::cpu::gemm(ta, tb, s.m, s.n, s.k, 0.5f, a.data(), lda, b.data(), ldb, 2.0f, c.data(), ldc);
  nnlab::set_num_threads(0);
  for (int64_t i = 0; i < s.m; ++i)
    for (int64_t j = 0; j < ldc; ++j) {
      if (j >= s.n) {
        ASSERT_EQ(c[i * ldc + j], c0[i * ldc + j]) << "wrote outside C at " << i << "," << j;
        continue;
      }
      double want = 0;
      for (int64_t p = 0; p < s.k; ++p)
        want += double(ta ? a[p * lda + i] : a[i * lda + p]) * double(tb ? b[j * ldb + p] : b[p * ldb + j]);
      want = 0.5 * want + 2.0 * c0[i * ldc + j];
      ASSERT_NEAR(c[i * ldc + j], want, 1e-4 * std::sqrt(double(s.k)))
          << "ta " << ta << " tb " << tb << " " << s.m << "x" << s.n << "x" << s.k << " at " << i << "," << j;
    }
}

}  // namespace

TEST(Gemm, ThreadBlocksMatchADirectProduct) {
  // Wider than tall (split by columns, with a ragged last block), taller than wide (by rows),
  // and an mlp layer's shape at batch 64.
  for (Case s : {Case{64, 517, 300}, Case{530, 70, 260}, Case{64, 512, 784}})
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (int threads : {1, 2, 3}) check(ta, tb, s, threads);
}

TEST(Gemm, TransposedRoutesMatchADirectProduct) {
  // A · Bᵀ takes two other routes (gemm.cpp): a C few columns wide is computed transposed,
  // and a product long in k on a transposed copy of A; both with beta, padded leading
  // dimensions and every thread count. The other transposes are checked at the same shapes.
  for (Case s : {Case{256, 10, 3072}, Case{40, 3, 50}, Case{64, 100, 1100}, Case{96, 512, 3072}})
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (int threads : {1, 2, 3}) check(ta, tb, s, threads);
}
