// Channels-last (NHWC) activations and the kernels written for them: conv (oneDNN on shares
// of the batch), batch norm with fused ReLU, max pooling's first-maximum rule, and autograd
// summing gradients of different layouts. Each is checked against plain NCHW loops here.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "nnlab/autograd.h"
#include "nnlab/generator.h"
#include "nnlab/ops.h"
#include "support/golden.h"
#include "tensor/layout.h"

using namespace nnlab;
using nnlab::testing::close_to;

namespace {

// Direct convolution, NCHW, stride s, padding p: forward and both gradients.
Tensor naive_conv(const Tensor& x, const Tensor& w, int64_t s, int64_t p) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), O = w.size(0), K = w.size(2);
  const int64_t OH = (H + 2 * p - K) / s + 1, OW = (W + 2 * p - K) / s + 1;
  Tensor y = Tensor::zeros({N, O, OH, OW});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t oy = 0; oy < OH; ++oy)
        for (int64_t ox = 0; ox < OW; ++ox) {
          double acc = 0;
          for (int64_t c = 0; c < C; ++c)
            for (int64_t ky = 0; ky < K; ++ky)
              for (int64_t kx = 0; kx < K; ++kx) {
                const int64_t iy = oy * s - p + ky, ix = ox * s - p + kx;
                if (iy >= 0 && iy < H && ix >= 0 && ix < W) acc += x.at({n, c, iy, ix}) * w.at({o, c, ky, kx});
              }
          y.data()[((n * O + o) * OH + oy) * OW + ox] = static_cast<float>(acc);
        }
  return y;
}

void naive_conv_grads(const Tensor& x, const Tensor& w, const Tensor& gy, int64_t s, int64_t p, Tensor& gx,
                      Tensor& gw) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), O = w.size(0), K = w.size(2);
  const int64_t OH = gy.size(2), OW = gy.size(3);
  gx = Tensor::zeros(x.shape());
  gw = Tensor::zeros(w.shape());
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t oy = 0; oy < OH; ++oy)
        for (int64_t ox = 0; ox < OW; ++ox) {
          const float g = gy.at({n, o, oy, ox});
          for (int64_t c = 0; c < C; ++c)
            for (int64_t ky = 0; ky < K; ++ky)
              for (int64_t kx = 0; kx < K; ++kx) {
                const int64_t iy = oy * s - p + ky, ix = ox * s - p + kx;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                gx.data()[((n * C + c) * H + iy) * W + ix] += g * w.at({o, c, ky, kx});
                gw.data()[((o * C + c) * K + ky) * K + kx] += g * x.at({n, c, iy, ix});
              }
        }
}

// Convolutions with few and many input channels, odd batch shares (2 images over the
// threads), NCHW and channels-last input, forward and backward against the direct loops.
TEST(ChannelsLast, ConvolutionMatchesDirectLoops) {
  Generator gen(5);
  for (int64_t c : {3, 16})
    for (int64_t s : {1, 2})
      for (bool cl_input : {false, true}) {
        Tensor x0 = Tensor::normal({2, c, 7, 7}, 0, 1, gen);
        Tensor w = Tensor::normal({5, c, 3, 3}, 0, 0.3f, gen).requires_grad_();
        Tensor x = (cl_input ? to_channels_last(x0) : x0.clone()).requires_grad_();
        Tensor y = conv2d(x, w, {}, {s, 1, 1});
        EXPECT_TRUE(is_channels_last(y));
        const std::string what = "c=" + std::to_string(c) + " s=" + std::to_string(s) + (cl_input ? " NHWC" : " NCHW");
        EXPECT_TRUE(close_to(y, naive_conv(x0, w.detach(), s, 1), 1e-5, what + " forward"));
        Tensor r = Tensor::normal(y.shape(), 0, 1, gen);
        y.backward(r);
        Tensor gx, gw;
        naive_conv_grads(x0, w.detach(), r, s, 1, gx, gw);
        EXPECT_TRUE(x.grad().is_contiguous()) << what;
        EXPECT_TRUE(close_to(x.grad(), gx, 1e-5, what + " input gradient"));
        EXPECT_TRUE(close_to(w.grad(), gw, 1e-5, what + " weight gradient"));
      }
}

// Fused batch norm + ReLU is relu(batch_norm(x)), forward and backward, train and eval.
TEST(ChannelsLast, BatchNormReluEqualsBatchNormThenRelu) {
  Generator gen(6);
  for (bool training : {true, false}) {
    Tensor x0 = to_channels_last(Tensor::normal({4, 5, 3, 3}, 0.5f, 2, gen));
    Tensor w0 = Tensor::uniform({5}, 0.5f, 1.5f, gen), b0 = Tensor::uniform({5}, -0.5f, 0.5f, gen);
    Tensor rm = Tensor::uniform({5}, -0.2f, 0.2f, gen), rv = Tensor::uniform({5}, 0.5f, 1.5f, gen);
    Tensor r = Tensor::normal({4, 5, 3, 3}, 0, 1, gen);
    Tensor grads[2][3];
    Tensor outs[2];
    for (int fused = 0; fused < 2; ++fused) {
      Tensor x = x0.clone().requires_grad_(), w = w0.clone().requires_grad_(), b = b0.clone().requires_grad_();
      BatchNormParams p{training, 0.1f, 1e-5f, fused == 1};
      Tensor y = fused ? batch_norm(x, w, b, rm.clone(), rv.clone(), p) : relu(batch_norm(x, w, b, rm.clone(), rv.clone(), p));
      y.backward(r);
      outs[fused] = y;
      grads[fused][0] = x.grad();
      grads[fused][1] = w.grad();
      grads[fused][2] = b.grad();
    }
    const std::string mode = training ? "train" : "eval";
    EXPECT_TRUE(close_to(outs[1], outs[0], 1e-6, mode + " output"));
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(close_to(grads[1][i], grads[0][i], 1e-5, mode + " gradient " + std::to_string(i)));
  }
}

// Channels-last max pooling keeps PyTorch's rule: a tied window sends its gradient to the
// first maximum in row-major order, and a NaN wins (the first NaN).
TEST(ChannelsLast, MaxPoolTiesAndNanMatchNchw) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> v(2 * 20 * 4 * 4);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>((i * 7) % 5) - 2.0f;  // many ties
  v[5] = nan;
  v[37] = nan;
  v[38] = nan;
  Tensor base = Tensor::from_data({2, 20, 4, 4}, v);
  Generator gen(7);
  Tensor r = Tensor::normal({2, 20, 2, 2}, 0, 1, gen);
  Tensor out[2], grad[2];
  for (int cl = 0; cl < 2; ++cl) {
    Tensor x = (cl ? to_channels_last(base) : base.clone()).requires_grad_();
    Tensor y = max_pool2d(x, {2, 2, 0});
    y.backward(r);
    out[cl] = y;
    grad[cl] = x.grad();
  }
  std::vector<float> a = out[0].to_vector(), b = out[1].to_vector();
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(std::isnan(a[i]), std::isnan(b[i])) << i;
    if (!std::isnan(a[i])) {
      EXPECT_EQ(a[i], b[i]) << i;
    }
  }
  EXPECT_EQ(grad[0].to_vector(), grad[1].to_vector());
}

// A channels-last activation whose gradient arrives both channels-last (through ReLU) and
// NCHW (through flatten) gets their sum.
TEST(ChannelsLast, GradientsOfBothLayoutsAreSummed) {
  Generator gen(8);
  Tensor x = Tensor::normal({2, 16, 4, 4}, 0, 1, gen);
  Tensor w = Tensor::normal({6, 16, 3, 3}, 0, 0.2f, gen).requires_grad_();
  Tensor a = conv2d(x, w, {}, {1, 1, 1});
  ASSERT_TRUE(is_channels_last(a) && !a.is_contiguous());
  Tensor r1 = Tensor::normal({2, 6 * 16}, 0, 1, gen), r2 = Tensor::normal({2, 6, 4, 4}, 0, 1, gen);
  Tensor loss = sum(mul(flatten(a), r1)) + sum(mul(relu(a), r2));
  loss.backward();
  Tensor a_plain = naive_conv(x, w.detach(), 1, 1);
  std::vector<float> ga(a_plain.numel());
  std::vector<float> av = a_plain.to_vector(), v1 = r1.to_vector(), v2 = r2.to_vector();
  for (size_t i = 0; i < ga.size(); ++i) ga[i] = v1[i] + (av[i] > 0 ? v2[i] : 0.0f);
  Tensor gx, gw;
  naive_conv_grads(x, w.detach(), Tensor::from_data(a_plain.shape(), ga), 1, 1, gx, gw);
  EXPECT_TRUE(close_to(w.grad(), gw, 1e-5, "weight gradient"));
}

}  // namespace
