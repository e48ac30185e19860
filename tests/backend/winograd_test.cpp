// Winograd F(4x4, 3x3) convolutions (nnlab/conv_algorithm.h) against direct ones: where it
// applies it is really taken on an AVX-512 CPU, it stays within float32 rounding of the
// direct result in all three passes, and it is refused (direct) where it measured slower.
// The op harness (tests/ops) checks the same layer against PyTorch and finite differences.
#include <gtest/gtest.h>

#include <dnnl.hpp>

#include <cstdio>

#include "backend/cpu/onednn_conv.h"
#include "nnlab/autograd.h"
#include "nnlab/conv_algorithm.h"
#include "nnlab/generator.h"
#include "nnlab/ops.h"
#include "support/golden.h"
#include "support/short_training.h"

using namespace nnlab;
using nnlab::testing::relative_error;

namespace {

bool has_avx512() {
  return static_cast<int>(dnnl::get_effective_cpu_isa()) >= static_cast<int>(dnnl::cpu_isa::avx512_core);
}

cpu::ConvGeometry geometry(int64_t n, int64_t c, int64_t h, int64_t o) {
  cpu::ConvGeometry g{};
  g.n = n, g.c = c, g.h = h, g.w = h, g.o = o, g.kh = 3, g.kw = 3, g.oh = h, g.ow = h;
  g.stride = 1, g.padding = 1, g.dilation = 1, g.bias = true;
  return g;
}

struct Pass {
  Tensor y, gx, gw, gb;
};

Pass run(ConvAlgorithm a, const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& r) {
  ConvAlgorithmGuard guard(a);
  Tensor xi = x.clone().requires_grad_(), wi = w.clone().requires_grad_(), bi = b.clone().requires_grad_();
  Pass p;
  p.y = conv2d(xi, wi, bi, {1, 1, 1});
  p.y.backward(r);
  p.gx = xi.grad(), p.gw = wi.grad(), p.gb = bi.grad();
  return p;
}

TEST(Winograd, TakenWhereItFitsAndRefusedWhereItMeasuredSlower) {
  ConvAlgorithmGuard guard(ConvAlgorithm::Auto);
  EXPECT_EQ(cpu::conv2d_forward_is_winograd(geometry(16, 64, 8, 64), true), has_avx512());
  EXPECT_EQ(cpu::conv2d_forward_is_winograd(geometry(8, 32, 16, 64), false), has_avx512());
  EXPECT_FALSE(cpu::conv2d_forward_is_winograd(geometry(1, 64, 8, 64), false)) << "16 tiles: the transform dominates";
  EXPECT_FALSE(cpu::conv2d_forward_is_winograd(geometry(8, 16, 32, 16), true)) << "16 channels: slower";
  EXPECT_FALSE(cpu::conv2d_forward_is_winograd(geometry(256, 512, 2, 512), true)) << "a 2x2 output: slower";
  EXPECT_FALSE(cpu::conv2d_forward_is_winograd(geometry(16, 40, 8, 64), true)) << "channels not a multiple of 16";
  cpu::ConvGeometry strided = geometry(16, 64, 8, 64);
  strided.stride = 2, strided.oh = strided.ow = 4;
  EXPECT_FALSE(cpu::conv2d_forward_is_winograd(strided, true));
  ConvAlgorithmGuard direct(ConvAlgorithm::Direct);
  EXPECT_FALSE(cpu::conv2d_forward_is_winograd(geometry(16, 64, 8, 64), true));
}

// Both algorithms against each other, forward and backward, on a layer Winograd takes.
TEST(Winograd, AgreesWithDirectConvolutionInEveryPass) {
  Generator gen(5);
  Tensor x = Tensor::normal({16, 64, 8, 8}, 0, 1, gen);
  Tensor w = Tensor::normal({64, 64, 3, 3}, 0, 0.04f, gen);
  Tensor b = Tensor::normal({64}, 0, 0.1f, gen);
  Tensor r = Tensor::normal({16, 64, 8, 8}, 0, 1, gen);
  const Pass wino = run(ConvAlgorithm::Auto, x, w, b, r), direct = run(ConvAlgorithm::Direct, x, w, b, r);
  const double ey = relative_error(wino.y, direct.y), ex = relative_error(wino.gx, direct.gx),
               ew = relative_error(wino.gw, direct.gw), eb = relative_error(wino.gb, direct.gb);
  std::printf("[ winograd ] 64->64 3x3 over 8x8, relative to direct: output %.2e, input gradient %.2e, "
              "weight gradient %.2e, bias gradient %.2e\n",
              ey, ex, ew, eb);
  // F(4x4, 3x3)'s transforms multiply by up to 4 and 9/4 before the sums (Lavin and Gray):
  // its rounding is a few times float32's 6e-8 per term of the 576-term dot products.
  EXPECT_LT(ey, 1e-5);
  EXPECT_LT(ex, 1e-5);
  EXPECT_LT(ew, 1e-5);
  EXPECT_LT(eb, 1e-5);
  if (has_avx512()) {
    EXPECT_GT(ey + ex + ew, 0.0) << "Winograd did not change the arithmetic: not taken?";
  }
}

// resnet20 trained 5 SGD steps on one batch with each algorithm from the same weights, then
// evaluated: its 32- and 64-channel stages take Winograd, in training and in the fused
// inference path (batch norm folded, the shortcut added and the ReLU applied by the kernel,
// Winograd's blocked output starting as the shortcut's copy).
TEST(Winograd, Resnet20TrainsAndEvaluatesAsWithDirect) {
  std::vector<float> losses[2];
  Tensor logits[2];
  for (int d = 0; d < 2; ++d) {
    ConvAlgorithmGuard guard(d ? ConvAlgorithm::Direct : ConvAlgorithm::Auto);
    auto run = nnlab::testing::train_resnet20_steps(5);
    losses[d] = run.losses;
    logits[d] = run.logits;
  }
  std::printf("[ winograd ] resnet20, 5 SGD steps: loss direct %.6f -> %.6f, winograd %.6f -> %.6f; eval logits "
              "rel. error %.2e\n",
              losses[1][0], losses[1][4], losses[0][0], losses[0][4], relative_error(logits[0], logits[1]));
  // The first loss is one forward pass apart; after that SGD at 0.05 with momentum amplifies
  // any rounding difference, as between 1 and 2 threads of direct convolution (resnet20
  // parts by 2.6e-2 over 100 steps, docs/distributed.md).
  EXPECT_NEAR(losses[0][0], losses[1][0], 1e-5 * losses[1][0]) << "first-step loss";
  for (int step = 1; step < 5; ++step)
    EXPECT_NEAR(losses[0][step], losses[1][step], 2e-2 * losses[1][step]) << "loss at step " << step;
  EXPECT_LT(losses[0][4], 0.5 * losses[0][0]) << "training with Winograd does not reduce the loss";
  EXPECT_LT(relative_error(logits[0], logits[1]), 5e-2) << "eval logits after training";
}

}  // namespace

namespace {

// A batch's weight gradient against the sum of its halves' (each half split over the
// threads again): Winograd's tiles block over images, so the order of the sums changes
// with the batch, and only rounding may.
TEST(Winograd, WeightGradientOfABatchIsTheSumOfItsHalves) {
  for (int64_t c : {32, 64}) {
    const int64_t h = 16;  // halves of 8 images: 128 tiles of 4x4, Winograd as the whole batch
    Generator gen(7);
    Tensor x = Tensor::normal({16, c, h, h}, 0, 1, gen), w = Tensor::normal({c, c, 3, 3}, 0, 0.05f, gen);
    Tensor r = Tensor::normal({16, c, h, h}, 0, 1, gen);
    auto grad_w = [&](int64_t from, int64_t to) {
      Tensor wi = w.clone().requires_grad_();
      conv2d(x.slice(from, to).contiguous(), wi, {}, {1, 1, 1}).backward(r.slice(from, to).contiguous());
      return wi.grad();
    };
    const Tensor whole = grad_w(0, 16), halves = add(grad_w(0, 8), grad_w(8, 16));
    const double e = relative_error(halves, whole);
    std::printf("[ winograd ] %lld channels over %lldx%lld: batch of 16 against its halves: %.2e\n",
                static_cast<long long>(c), static_cast<long long>(h), static_cast<long long>(h), e);
    EXPECT_LT(e, 1e-5) << c << " channels";
  }
}

}  // namespace
