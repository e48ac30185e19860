// Batch norm with a BatchStatsReducer (the synchronised path) in one process: the reducer
// of a group of one changes no number, and the op calls it once forward and once backward.
// The same path over two real ranks is tested in tests/dist/sync_batchnorm_test.cpp.
#include <gtest/gtest.h>

#include "nnlab/autograd.h"
#include "nnlab/generator.h"
#include "nnlab/ops.h"
#include "support/golden.h"

using namespace nnlab;
using nnlab::testing::close_to;

namespace {

// Sums over one process: the values as they are. Counts its calls.
class OneProcess : public BatchStatsReducer {
 public:
  void sum(std::span<double> values) override {
    ++calls;
    sizes.push_back(values.size());
  }
  int calls = 0;
  std::vector<size_t> sizes;
};

}  // namespace

TEST(BatchStatsReducer, OneProcessGivesPlainBatchNormAndTwoExchanges) {
  Generator gen(11);
  for (const Shape& shape : {Shape{6, 5}, Shape{4, 3, 5, 2}})
    for (bool relu : {false, true}) {
      const std::string what = shape_str(shape) + (relu ? " relu" : "");
      const int64_t c = shape[1];
      // A mean 200 times the spread: the reducer's Σx² must not lose the variance to rounding.
      const Tensor x0 = Tensor::normal(shape, 40.0f, 0.2f, gen), dy = Tensor::normal(shape, 0, 1, gen);
      const Tensor w0 = Tensor::uniform({c}, 0.5f, 1.5f, gen), b0 = Tensor::uniform({c}, -0.5f, 0.5f, gen);
      Tensor outs[2], grads[2][3], running[2][2];
      auto reducer = std::make_shared<OneProcess>();
      for (int synced = 0; synced < 2; ++synced) {
        Tensor x = x0.clone().requires_grad_(), w = w0.clone().requires_grad_(), b = b0.clone().requires_grad_();
        running[synced][0] = Tensor::zeros({c});
        running[synced][1] = Tensor::ones({c});
        BatchNormParams p;
        p.relu = relu;
        if (synced) p.reducer = reducer;
        outs[synced] = batch_norm(x, w, b, running[synced][0], running[synced][1], p);
        outs[synced].backward(dy);
        grads[synced][0] = x.grad();
        grads[synced][1] = w.grad();
        grads[synced][2] = b.grad();
      }
      EXPECT_TRUE(close_to(outs[1], outs[0], 1e-5, what + " output"));
      for (int i = 0; i < 3; ++i) EXPECT_TRUE(close_to(grads[1][i], grads[0][i], 1e-5, what + " gradient " + std::to_string(i)));
      for (int i = 0; i < 2; ++i) EXPECT_TRUE(close_to(running[1][i], running[0][i], 1e-5, what + " running statistic"));
      // [Σx, Σx², count] forward, [Σdy, Σdy·(x−μ)] backward.
      EXPECT_EQ(reducer->calls, 2) << what;
      EXPECT_EQ(reducer->sizes, (std::vector<size_t>{static_cast<size_t>(2 * c + 1), static_cast<size_t>(2 * c)}))
          << what;
    }
}

// Eval mode uses the running statistics: nothing to exchange.
TEST(BatchStatsReducer, EvalModeExchangesNothing) {
  Generator gen(12);
  auto reducer = std::make_shared<OneProcess>();
  BatchNormParams p;
  p.training = false;
  p.reducer = reducer;
  batch_norm(Tensor::normal({4, 3}, 0, 1, gen), Tensor::ones({3}), Tensor::zeros({3}), Tensor::zeros({3}),
             Tensor::ones({3}), p);
  EXPECT_EQ(reducer->calls, 0);
}
