// The autograd engine: accumulation, retain_graph, the no-grad guard, in-place checks.
#include <gtest/gtest.h>

#include "nnlab/autograd.h"
#include "nnlab/error.h"
#include "nnlab/generator.h"
#include "nnlab/ops.h"

using namespace nnlab;

namespace {

Tensor vec(std::vector<float> v) { return Tensor::from_data({static_cast<int64_t>(v.size())}, v); }

TEST(Autograd, ChainRuleThroughSharedSubexpression) {
  // y = sum(x*x + 3x) with x used twice: dy/dx = 2x + 3.
  Tensor x = vec({1, -2, 0.5f}).requires_grad_();
  Tensor y = sum(x * x + x * 3.0f);
  y.backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{5, -1, 4}));
  EXPECT_TRUE(x.is_leaf());
  EXPECT_FALSE(y.is_leaf());
}

TEST(Autograd, GradientsAccumulateAcrossBackwardCalls) {
  Tensor x = vec({2, 3}).requires_grad_();
  sum(x * 2.0f).backward();
  sum(x * 5.0f).backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{7, 7}));
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, SecondBackwardNeedsRetainGraph) {
  Tensor x = vec({1, 2}).requires_grad_();
  Tensor y = sum(x * x);
  y.backward({}, /*retain_graph=*/true);
  y.backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{4, 8}));
  try {
    y.backward();
    FAIL() << "a third backward through a freed graph must fail";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("retain_graph"), std::string::npos) << e.what();
  }
}

TEST(Autograd, NoGradGuardRecordsNothing) {
  Tensor x = vec({1, 2}).requires_grad_();
  Tensor y;
  {
    NoGradGuard guard;
    EXPECT_FALSE(grad_enabled());
    y = x * 2.0f;
  }
  EXPECT_TRUE(grad_enabled());
  EXPECT_FALSE(y.requires_grad());
  EXPECT_THROW(sum(y).backward(), Error);
}

TEST(Autograd, InPlaceWriteToSavedTensorIsAnError) {
  Tensor x = vec({1, 2}).requires_grad_();
  Tensor w = vec({3, 4});
  Tensor y = sum(x * w);  // saves w for x's gradient
  w.fill_(0);
  EXPECT_THROW(y.backward(), Error);
}

TEST(Autograd, NonScalarOutputNeedsAGradient) {
  Tensor x = vec({1, 2}).requires_grad_();
  Tensor y = x * 2.0f;
  EXPECT_THROW(y.backward(), ShapeError);
  y.backward(vec({1, 10}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{2, 20}));
}

TEST(Autograd, OnlyInputsThatRequireGradGetGradients) {
  Tensor a = Tensor::ones({2, 3}).requires_grad_();
  Tensor b = Tensor::ones({3, 4});
  sum(matmul(a, b)).backward();
  EXPECT_TRUE(a.grad().defined());
  EXPECT_FALSE(b.grad().defined());
  EXPECT_EQ(a.grad().to_vector(), std::vector<float>(6, 4.0f));
}

TEST(Autograd, BroadcastGradientsSumOverExpandedDimensions) {
  Tensor a = Tensor::ones({4, 3}).requires_grad_();
  Tensor bias = vec({1, 2, 3}).requires_grad_();
  sum(a + bias).backward();
  EXPECT_EQ(bias.grad().to_vector(), (std::vector<float>{4, 4, 4}));
  EXPECT_EQ(bias.grad().shape(), (Shape{3}));
}

TEST(Autograd, DeepChainDoesNotRecurse) {
  Tensor x = vec({1}).requires_grad_();
  Tensor y = x;
  for (int i = 0; i < 20000; ++i) y = y * 1.0f;
  sum(y).backward();
  EXPECT_EQ(x.grad().item(), 1.0f);
}

TEST(Ops, ShapeErrorsNameTheShapes) {
  try {
    matmul(Tensor::ones({2, 3}), Tensor::ones({4, 5}));
    FAIL();
  } catch (const ShapeError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("[2, 3]"), std::string::npos) << m;
    EXPECT_NE(m.find("[4, 5]"), std::string::npos) << m;
  }
  EXPECT_THROW(linear(Tensor::ones({2, 7}), Tensor::ones({3, 6})), ShapeError);
  EXPECT_THROW(conv2d(Tensor::ones({1, 2, 5, 5}), Tensor::ones({4, 3, 3, 3})), ShapeError);
  EXPECT_THROW(conv2d(Tensor::ones({1, 3, 2, 2}), Tensor::ones({4, 3, 5, 5})), ShapeError);
  EXPECT_THROW(Tensor::ones({2, 3}) + Tensor::ones({4}), ShapeError);
  EXPECT_THROW(cross_entropy(Tensor::ones({2, 3}), std::vector<int32_t>{0, 3}), ShapeError);
  EXPECT_THROW(mse_loss(Tensor::ones({2, 3}), Tensor::ones({3, 2})), ShapeError);
}

TEST(Ops, BatchNormUpdatesRunningStatisticsLikePyTorch) {
  // Channel values 1..4 for two channels: mean 2.5, biased var 1.25, unbiased 5/3.
  Tensor x = Tensor::from_data({4, 2}, std::vector<float>{1, 10, 2, 20, 3, 30, 4, 40});
  Tensor rm = Tensor::zeros({2}), rv = Tensor::ones({2});
  batch_norm(x, {}, {}, rm, rv, {true, 0.1f, 1e-5f});
  EXPECT_NEAR(rm.to_vector()[0], 0.25f, 1e-6);
  EXPECT_NEAR(rv.to_vector()[0], 0.9f + 0.1f * 5.0f / 3.0f, 1e-5);
  EXPECT_NEAR(rm.to_vector()[1], 2.5f, 1e-5);
  EXPECT_NEAR(rv.to_vector()[1], 0.9f + 0.1f * 500.0f / 3.0f, 1e-3);
}

TEST(Ops, DropoutIsInvertedAndOnlyInTraining) {
  Generator gen(1);
  Tensor x = Tensor::ones({10000});
  Tensor y = dropout(x, 0.25f, true, gen);
  int zeros = 0;
  for (float v : y.to_vector()) {
    if (v == 0) ++zeros;
    else EXPECT_FLOAT_EQ(v, 1.0f / 0.75f);
  }
  EXPECT_NEAR(zeros / 10000.0, 0.25, 0.02);
  EXPECT_TRUE(dropout(x, 0.25f, false, gen).is_same(x));
  EXPECT_THROW(dropout(x, 1.0f, true, gen), ConfigError);
}

}  // namespace
