// Inference fusion: in eval mode with nothing recorded, Sequential runs Conv2d [BatchNorm2d]
// [ReLU] [MaxPool2d] as one convolution (batch norm folded into the weights, ReLU as a
// oneDNN post-op or in nnlab's few-channel kernel, which also pools 2x2 before it writes).
// Each test compares it with the unfused layers, which the op harness and the zoo golden
// test check against PyTorch; the unfused path is what runs when autograd records.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "nnlab/autograd.h"
#include "nnlab/error.h"
#include "nnlab/generator.h"
#include "nnlab/nn/activation.h"
#include "nnlab/nn/batchnorm.h"
#include "nnlab/nn/conv2d.h"
#include "nnlab/nn/sequential.h"
#include "nnlab/ops/activation.h"
#include "nnlab/ops/conv.h"
#include "nnlab/ops/elementwise.h"
#include "nnlab/ops/loss.h"
#include "nnlab/ops/pool.h"
#include "nnlab/optim/sgd.h"
#include "nnlab/zoo/zoo.h"
#include "tensor/layout.h"

using namespace nnlab;

namespace {

// max |a - b| over max |b|: logits of different sizes compare alike.
double relative_gap(const Tensor& a, const Tensor& b) {
  const auto x = a.to_vector(), y = b.to_vector();
  EXPECT_EQ(x.size(), y.size());
  double gap = 0, scale = 1e-12;
  for (size_t i = 0; i < std::min(x.size(), y.size()); ++i) {
    gap = std::max(gap, static_cast<double>(std::abs(x[i] - y[i])));
    scale = std::max(scale, static_cast<double>(std::abs(y[i])));
  }
  return gap / scale;
}

Tensor fused_logits(nn::Module& m, const Tensor& x) {
  NoGradGuard no_grad;
  return m(x);
}

// The same eval-mode forward with autograd on: parameters require grad, so nothing fuses.
Tensor unfused_logits(nn::Module& m, const Tensor& x) { return m(x).detach(); }

// A few steps of SGD with momentum in training mode, so that weights, batch-norm scales and
// running statistics are far from their initial values.
void train_steps(nn::Module& m, const Tensor& x, const std::vector<int32_t>& y, int steps) {
  m.train();
  optim::SGD opt(m.parameters(), optim::SGDOptions(0.01).momentum(0.9));
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    cross_entropy(m(x), y).backward();
    opt.step();
  }
  m.eval();
}

struct Batch {
  Tensor x;
  std::vector<int32_t> y;
};

Batch batch(const Shape& image, int64_t n, uint64_t seed) {
  Generator gen(seed);
  Shape s{n};
  s.insert(s.end(), image.begin(), image.end());
  Batch b{Tensor::normal(s, 0.0f, 1.0f, gen), {}};
  for (int64_t i = 0; i < n; ++i) b.y.push_back(static_cast<int32_t>(gen.below(10)));
  return b;
}

}  // namespace

TEST(InferenceFusion, ZooModelsGiveTheUnfusedLogitsAfterTraining) {
  for (const std::string name : {"lenet5", "lenet5 1x28x28", "vgg11", "resnet20", "alexnet", "resnet18"}) {
    SCOPED_TRACE(name);
    const bool gray = name.find("1x28x28") != std::string::npos;
    const Shape image = gray ? Shape{1, 28, 28} : Shape{3, 32, 32};
    auto model = zoo::build({.name = name.substr(0, name.find(' ')), .input = image, .classes = 10, .seed = 3});
    const Batch b = batch(image, 8, 11);
    train_steps(*model, b.x, b.y, 3);
    const Tensor fused = fused_logits(*model, b.x);
    EXPECT_LT(relative_gap(fused, unfused_logits(*model, b.x)), 1e-5);
    // Training moves the weights and the running statistics; the folded copy must follow.
    train_steps(*model, b.x, b.y, 2);
    const Tensor again = fused_logits(*model, b.x);
    EXPECT_GT(relative_gap(again, fused), 1e-3) << "the fused forward did not see the new weights";
    EXPECT_LT(relative_gap(again, unfused_logits(*model, b.x)), 1e-5);
  }
}

TEST(InferenceFusion, LoadedRunningStatisticsAreFoldedAfresh) {
  const Shape image{3, 16, 16};
  Generator gen(5);
  nn::Sequential seq;
  seq.push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(3, 8, 3).padding(1), gen));
  auto bn = std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(8));
  seq.push_back(bn);
  seq.push_back(std::make_shared<nn::Activation>("relu"));
  seq.eval();
  const Batch b = batch(image, 4, 2);
  const Tensor before = fused_logits(seq, b.x);
  bn->running_var.copy_(Tensor::full({8}, 4.0f));
  bn->running_mean.copy_(Tensor::full({8}, 0.25f));
  const Tensor after = fused_logits(seq, b.x);
  EXPECT_GT(relative_gap(after, before), 0.1);
  EXPECT_LT(relative_gap(after, unfused_logits(seq, b.x)), 1e-5);
}

TEST(InferenceFusion, AHookedLayerStillSeesItsOwnOutput) {
  Generator gen(1);
  nn::Sequential seq;
  seq.push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(3, 4, 3).padding(1).bias(false), gen));
  auto bn = std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(4));
  seq.push_back(bn);
  seq.push_back(std::make_shared<nn::Activation>("relu"));
  seq.eval();
  bool negative_seen = false;
  bn->add_forward_hook([&](nn::Module&, const Tensor&, const Tensor& y) {
    for (float v : y.to_vector()) negative_seen = negative_seen || v < 0;
  });
  const Batch b = batch({3, 8, 8}, 2, 9);
  const Tensor out = fused_logits(seq, b.x);
  EXPECT_TRUE(negative_seen) << "the batch norm's output (before ReLU) never reached its hook";
  EXPECT_LT(relative_gap(out, unfused_logits(seq, b.x)), 1e-6);
}

TEST(InferenceFusion, FusedReluMatchesReluOfTheConvolutionOnBothKernels) {
  Generator gen(4);
  // One and three input channels take nnlab's own kernel, eight oneDNN's.
  for (const int64_t channels : {int64_t{1}, int64_t{3}, int64_t{8}}) {
    SCOPED_TRACE(channels);
    const Tensor x = Tensor::normal({5, channels, 12, 12}, 0.0f, 1.0f, gen);
    const Tensor w = Tensor::normal({6, channels, 5, 5}, 0.0f, 0.3f, gen);
    const Tensor bias = Tensor::normal({6}, 0.0f, 0.3f, gen);
    Conv2dParams p{1, 2, 1};
    const Tensor plain = relu(conv2d(x, w, bias, p));
    p.relu = true;
    NoGradGuard no_grad;
    EXPECT_LT(relative_gap(conv2d(x, w, bias, p), plain), 1e-6);
  }
}

// The pool after the ReLU: 2x2 inside the few-channel kernel (odd sizes drop the last row
// and column, as max_pool2d), afterwards elsewhere (eight channels, a 3x3 pool).
TEST(InferenceFusion, FusedMaxPoolMatchesPoolingTheReluOfTheConvolution) {
  Generator gen(12);
  struct Case {
    int64_t channels, size, pool;
  };
  for (const Case c : {Case{1, 28, 2}, Case{3, 32, 2}, Case{3, 13, 2}, Case{1, 41, 2}, Case{8, 12, 2}, Case{3, 14, 3}}) {
    SCOPED_TRACE(testing::Message() << c.channels << " channels, " << c.size << "x" << c.size << ", pool " << c.pool);
    const Tensor x = Tensor::normal({5, c.channels, c.size, c.size}, 0.0f, 1.0f, gen);
    const Tensor w = Tensor::normal({6, c.channels, 5, 5}, 0.0f, 0.3f, gen);
    const Tensor bias = Tensor::normal({6}, 0.0f, 0.3f, gen);
    Conv2dParams p{1, 2, 1};
    for (const bool with_relu : {false, true}) {
      const Tensor y = conv2d(x, w, bias, p);
      const Tensor plain = max_pool2d(with_relu ? relu(y) : y, {.kernel = c.pool, .stride = c.pool});
      Conv2dParams fused = p;
      fused.relu = with_relu;
      fused.max_pool = c.pool;
      NoGradGuard no_grad;
      const Tensor out = conv2d(x, w, bias, fused);
      ASSERT_EQ(out.shape(), plain.shape());
      EXPECT_LT(relative_gap(out, plain), 1e-6);
    }
  }
}

TEST(InferenceFusion, AFusedResidualIsAddedBeforeTheReluAndLeftAloneUnlessGivenUp) {
  Generator gen(6);
  const Tensor x = Tensor::normal({4, 8, 10, 10}, 0.0f, 1.0f, gen);
  const Tensor w = Tensor::normal({8, 8, 3, 3}, 0.0f, 0.2f, gen);
  const Tensor residual = Tensor::normal({4, 8, 10, 10}, 0.0f, 1.0f, gen);
  const std::vector<float> before = residual.to_vector();
  const Tensor plain = relu(add(conv2d(x, w, {}, {1, 1, 1}), residual));
  NoGradGuard no_grad;
  Conv2dParams p{1, 1, 1};
  p.relu = true;
  p.residual = residual;
  EXPECT_LT(relative_gap(conv2d(x, w, {}, p), plain), 1e-6);
  EXPECT_EQ(residual.to_vector(), before) << "a residual not given up was written";
  // Given up, in channels-last (a convolution's output): the result is written into it.
  const Tensor owned = conv2d(x, w, {}, {1, 1, 1});
  p.residual = owned;
  p.residual_in_place = true;
  const Tensor out = conv2d(x, w, {}, p);
  EXPECT_EQ(dense_data(out), dense_data(owned));
  p.residual = Tensor::normal({4, 8, 9, 9}, 0.0f, 1.0f, gen);
  p.residual_in_place = false;
  EXPECT_THROW(conv2d(x, w, {}, p), ShapeError);
}

TEST(InferenceFusion, TheFusedReluIsRefusedWhereAutogradRecords) {
  Generator gen(2);
  const Tensor x = Tensor::normal({1, 2, 6, 6}, 0.0f, 1.0f, gen);
  Tensor w = Tensor::normal({3, 2, 3, 3}, 0.0f, 1.0f, gen);
  w.requires_grad_(true);
  Conv2dParams p;
  p.relu = true;
  EXPECT_THROW(conv2d(x, w, {}, p), Error);
  Conv2dParams pooled;
  pooled.max_pool = 2;
  EXPECT_THROW(conv2d(x, w, {}, pooled), Error);
  nn::Conv2d conv(nn::Conv2dOptions(2, 3, 3), gen);
  nn::BatchNorm2d bn(nn::BatchNormOptions(3));  // in training mode
  NoGradGuard no_grad;
  EXPECT_THROW(conv.forward_inference(x, &bn, true), Error);
}

// Layers of one geometry share a oneDNN primitive and its cache of reordered weights; each
// must still get its own weights, also after one of them changes.
TEST(InferenceFusion, LayersOfOneGeometryKeepTheirOwnReorderedWeights) {
  Generator gen(8);
  std::vector<std::shared_ptr<nn::Conv2d>> convs;
  for (int i = 0; i < 3; ++i)
    convs.push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(16, 16, 3).padding(1).bias(false), gen));
  const Tensor x = Tensor::normal({4, 16, 8, 8}, 0.0f, 1.0f, gen);
  // The reference: plain copies of the weights, which are reordered afresh on every call.
  auto reference = [&](int i) {
    NoGradGuard no_grad;
    return conv2d(x, convs[i]->weight.detach().clone(), {}, {1, 1, 1});
  };
  for (int round = 0; round < 2; ++round)
    for (int i = 0; i < 3; ++i) {
      NoGradGuard no_grad;
      EXPECT_LT(relative_gap((*convs[i])(x), reference(i)), 1e-6) << "layer " << i << ", round " << round;
    }
  convs[1]->weight.copy_(Tensor::normal({16, 16, 3, 3}, 0.0f, 1.0f, gen));
  for (int i : {0, 1, 2}) {
    NoGradGuard no_grad;
    EXPECT_LT(relative_gap((*convs[i])(x), reference(i)), 1e-6) << "layer " << i << " after layer 1 changed";
  }
}
