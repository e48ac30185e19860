// Post-accumulate-grad hooks: called once per backward with the leaf's whole gradient, gone
// with their handle, refused on an op's output.
#include <gtest/gtest.h>

#include "nnlab/autograd_hooks.h"
#include "nnlab/error.h"
#include "nnlab/ops/elementwise.h"

using namespace nnlab;

TEST(GradHooks, CalledOnceWithTheWholeGradientOfALeafUsedTwice) {
  Tensor w = Tensor::ones({3});
  w.requires_grad_(true);
  Tensor c = Tensor::ones({3});
  for (int i = 0; i < 3; ++i) c.data()[i] = static_cast<float>(i + 1);
  int calls = 0;
  std::vector<float> seen;
  {
    autograd::PostAccumulateHook hook(w, [&](const Tensor& leaf) {
      ++calls;
      seen = leaf.grad().to_vector();
    });
    // d/dw of sum(w*c) + sum(w*w) = c + 2w: two contributions, summed before the hook runs.
    Tensor loss = sum(w * c) + sum(w * w);
    loss.backward();
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(seen, (std::vector<float>{3, 4, 5}));
    // A second pass accumulates into grad(): the hook sees the running total.
    Tensor again = sum(w * c);
    again.backward();
    EXPECT_EQ(calls, 2);
    EXPECT_EQ(seen, (std::vector<float>{4, 6, 8}));
  }
  Tensor after = sum(w * c);
  after.backward();
  EXPECT_EQ(calls, 2) << "the hook outlived its handle";
}

TEST(GradHooks, MovedHandlesKeepOneHookAndAnOpOutputIsRefused) {
  Tensor w = Tensor::ones({2});
  w.requires_grad_(true);
  int calls = 0;
  autograd::PostAccumulateHook a(w, [&](const Tensor&) { ++calls; });
  autograd::PostAccumulateHook b(std::move(a));
  autograd::PostAccumulateHook c;
  c = std::move(b);
  sum(w * w).backward();
  EXPECT_EQ(calls, 1);
  Tensor y = w * w;
  EXPECT_THROW(autograd::PostAccumulateHook(y, [](const Tensor&) {}), Error);
}
