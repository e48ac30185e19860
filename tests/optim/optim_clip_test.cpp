// clip_grad_norm_ beyond the golden sequences: the edge cases PyTorch defines.
#include <gtest/gtest.h>

#include <cmath>

#include "nnlab/error.h"
#include "nnlab/optim/clip_grad.h"

using namespace nnlab;
using namespace nnlab::optim;

TEST(ClipGradNorm, ScalesOnlyAboveTheLimitAndReturnsTheNormBefore) {
  Tensor a = Tensor::zeros({2}), b = Tensor::zeros({1}), none = Tensor::zeros({3});
  a.set_grad(Tensor::from_data({2}, std::vector<float>{3, 0}));
  b.set_grad(Tensor::from_data({1}, std::vector<float>{4}));
  EXPECT_DOUBLE_EQ(clip_grad_norm_({a, b, none}, 10.0), 5.0);
  EXPECT_EQ(a.grad().to_vector(), (std::vector<float>{3, 0}));  // below the limit: untouched
  EXPECT_FALSE(none.grad().defined());
  EXPECT_DOUBLE_EQ(clip_grad_norm_({a, b, none}, 1.0), 5.0);
  const float c = static_cast<float>(1.0 / (5.0 + 1e-6));
  EXPECT_FLOAT_EQ(a.grad().to_vector()[0], 3 * c);
  EXPECT_FLOAT_EQ(b.grad().to_vector()[0], 4 * c);
  EXPECT_NEAR(clip_grad_norm_({a, b}, 100.0), 1.0, 1e-6);
}

TEST(ClipGradNorm, OtherNorms) {
  Tensor a = Tensor::zeros({3});
  a.set_grad(Tensor::from_data({3}, std::vector<float>{-6, 2, 1}));
  EXPECT_DOUBLE_EQ(clip_grad_norm_({a}, 100.0, kInfNorm), 6.0);
  EXPECT_DOUBLE_EQ(clip_grad_norm_({a}, 100.0, 1.0), 9.0);
  EXPECT_NEAR(clip_grad_norm_({a}, 100.0, 3.0), std::cbrt(216.0 + 8 + 1), 1e-12);
  EXPECT_NEAR(clip_grad_norm_({a}, 3.0, kInfNorm), 6.0, 0);
  EXPECT_NEAR(a.grad().to_vector()[0], -3.0, 1e-5);
}

TEST(ClipGradNorm, NoGradientsGiveZeroAndNonFiniteNormsPassThrough) {
  Tensor a = Tensor::zeros({2});
  EXPECT_EQ(clip_grad_norm_({a}, 1.0), 0.0);
  a.set_grad(Tensor::from_data({2}, std::vector<float>{NAN, 1}));
  EXPECT_TRUE(std::isnan(clip_grad_norm_({a}, 1.0)));
  EXPECT_TRUE(std::isnan(a.grad().to_vector()[1]));  // as PyTorch: scaled by NaN
  EXPECT_THROW(clip_grad_norm_({a}, 1.0, 0.0), ConfigError);
  EXPECT_THROW(clip_grad_norm_({a}, -1.0), ConfigError);
}
