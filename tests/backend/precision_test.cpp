// The bfloat16 mode against float32: same model, same weights, same data; the differences
// must stay within what 8-bit mantissas allow, and short training must follow the same path.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "nnlab/autograd.h"
#include "nnlab/error.h"
#include "nnlab/generator.h"
#include "nnlab/ops.h"
#include "nnlab/precision.h"
#include "support/golden.h"
#include "support/short_training.h"

using namespace nnlab;

namespace {

double rel_error(const Tensor& a, const Tensor& b) { return nnlab::testing::relative_error(a, b); }

TEST(Precision, DefaultIsFloat32AndGuardRestores) {
  EXPECT_EQ(precision(), Precision::F32);
  if (!bf16_supported()) {
    EXPECT_THROW(set_precision(Precision::BF16), ConfigError);
    return;
  }
  {
    PrecisionGuard g(Precision::BF16);
    EXPECT_EQ(precision(), Precision::BF16);
  }
  EXPECT_EQ(precision(), Precision::F32);
}

TEST(Precision, Bf16ConvolutionIsCloseToFloat32) {
  if (!bf16_supported()) GTEST_SKIP() << "this CPU has no AVX512-BF16";
  Generator gen(1);
  Tensor x = Tensor::normal({4, 32, 8, 8}, 0, 1, gen);
  Tensor w = Tensor::normal({32, 32, 3, 3}, 0, 0.06f, gen);
  Tensor r = Tensor::normal({4, 32, 8, 8}, 0, 1, gen);
  Tensor y[2], gx[2], gw[2];
  for (int bf = 0; bf < 2; ++bf) {
    PrecisionGuard g(bf ? Precision::BF16 : Precision::F32);
    Tensor xi = x.clone().requires_grad_(), wi = w.clone().requires_grad_();
    y[bf] = conv2d(xi, wi, {}, {1, 1, 1});
    y[bf].backward(r);
    gx[bf] = xi.grad();
    gw[bf] = wi.grad();
  }
  std::printf("[ bf16     ] conv 32->32 3x3: output rel. error %.2e, input gradient %.2e\n", rel_error(y[1], y[0]),
              rel_error(gx[1], gx[0]));
  // bfloat16 keeps 8 significant bits (relative rounding 2^-9 = 2e-3 per operand).
  EXPECT_LT(rel_error(y[1], y[0]), 1e-2);
  EXPECT_LT(rel_error(gx[1], gx[0]), 1e-2);
  EXPECT_EQ(rel_error(gw[1], gw[0]), 0.0) << "weight gradients are float32 in both modes";
  EXPECT_GT(rel_error(y[1], y[0]), 0.0) << "bf16 mode did not change the arithmetic";
}

// resnet20 trained 5 SGD steps on one batch in each mode, from the same weights.
TEST(Precision, Bf16TrainingFollowsFloat32) {
  if (!bf16_supported()) GTEST_SKIP() << "this CPU has no AVX512-BF16";
  std::vector<float> losses[2];
  Tensor logits[2];
  for (int bf = 0; bf < 2; ++bf) {
    PrecisionGuard g(bf ? Precision::BF16 : Precision::F32);
    auto run = nnlab::testing::train_resnet20_steps(5);
    losses[bf] = run.losses;
    logits[bf] = run.logits;
  }
  std::printf("[ bf16     ] resnet20, 5 SGD steps: loss f32 %.4f -> %.4f, bf16 %.4f -> %.4f; eval logits rel. error %.2e\n",
              losses[0][0], losses[0][4], losses[1][0], losses[1][4], rel_error(logits[1], logits[0]));
  EXPECT_NEAR(losses[1][0], losses[0][0], 1e-2 * losses[0][0]) << "first-step loss";
  for (int step = 1; step < 5; ++step)
    EXPECT_NEAR(losses[1][step], losses[0][step], 5e-2 * losses[0][step]) << "loss at step " << step;
  EXPECT_LT(losses[1][4], losses[1][0]) << "bf16 training does not reduce the loss";
  EXPECT_LT(rel_error(logits[1], logits[0]), 5e-2) << "eval logits after training";
}

}  // namespace
