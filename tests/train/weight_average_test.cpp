// WeightAverage (--ema): the average follows its recurrence, the model evaluates the average
// only while it is applied, kernels that cache reordered weights see the swap, and a
// checkpoint's averages restore or fail with the key named.
#include <gtest/gtest.h>

#include <cmath>

#include "nnlab/autograd.h"
#include "nnlab/error.h"
#include "nnlab/train/config.h"
#include "nnlab/train/weight_average.h"
#include "nnlab/zoo/zoo.h"

using namespace nnlab;

namespace {

// Sets every floating-point entry of the model to `value` (a stand-in for an optimizer step).
void set_weights(nn::Module& m, float value) {
  for (const StateEntry& e : m.state_dict())
    if (!e.integer) e.tensor.fill_(value);
}

float first_weight(nn::Module& m) { return m.state_dict().front().tensor.data()[0]; }

TEST(WeightAverage, FollowsTheRampedRecurrence) {
  auto model = zoo::build({.name = "lenet5", .seed = 1});
  set_weights(*model, 0.0f);
  train::WeightAverage avg(*model, 0.9);
  double expected = 0.0;
  for (int t = 1; t <= 40; ++t) {
    const float w = static_cast<float>(t % 7) - 2.0f;
    set_weights(*model, w);
    avg.update();
    const double keep = std::min(0.9, (1.0 + t) / (10.0 + t));
    expected = keep * expected + (1 - keep) * w;
  }
  EXPECT_EQ(avg.updates(), 40);
  {
    auto applied = avg.apply();
    for (const StateEntry& e : model->state_dict()) {
      if (!e.integer) {
        EXPECT_NEAR(e.tensor.data()[0], expected, 1e-5) << e.name;
      }
    }
  }
  // The latest weights are back once the average is no longer applied.
  EXPECT_EQ(first_weight(*model), static_cast<float>(40 % 7) - 2.0f);
}

TEST(WeightAverage, AppliedWeightsReachCachedConvolutionKernels) {
  // A conv net's output under the applied average equals a copy of the net that holds the
  // averaged weights outright: no kernel kept the latest weights' reordered copy.
  auto model = zoo::build({.name = "lenet5", .seed = 1});
  auto twin = zoo::build({.name = "lenet5", .seed = 2});
  model->eval();
  twin->eval();
  Generator gen(3);
  Tensor x = Tensor::normal({4, 1, 28, 28}, 0.0f, 1.0f, gen);
  NoGradGuard no_grad;
  train::WeightAverage avg(*model, 0.5);
  for (int t = 0; t < 3; ++t) {
    for (const StateEntry& e : model->state_dict())
      if (!e.integer) e.tensor.copy_(Tensor::normal(e.tensor.shape(), 0.0f, 0.1f, gen));
    avg.update();
  }
  (*model)(x);  // the kernels now hold a reordered copy of the latest weights
  twin->load_state_dict(avg.state(""));
  Tensor expected = (*twin)(x);
  Tensor got;
  {
    auto applied = avg.apply();
    got = (*model)(x);
  }
  ASSERT_EQ(got.numel(), expected.numel());
  for (int64_t i = 0; i < got.numel(); ++i) EXPECT_NEAR(got.data()[i], expected.data()[i], 1e-5) << i;
  Tensor after = (*model)(x);
  bool differs = false;
  for (int64_t i = 0; i < got.numel(); ++i) differs |= std::abs(after.data()[i] - got.data()[i]) > 1e-4f;
  EXPECT_TRUE(differs) << "the latest weights should give another output than their average";
}

TEST(WeightAverage, RestoresFromItsStateAndNamesAMissingEntry) {
  auto model = zoo::build({.name = "lenet5", .seed = 1});
  train::WeightAverage a(*model, 0.99);
  set_weights(*model, 2.0f);
  for (int t = 0; t < 5; ++t) a.update();
  StateDict saved = a.state("ema.");
  ASSERT_FALSE(saved.empty());
  EXPECT_EQ(saved.front().name.rfind("ema.", 0), 0u);

  train::WeightAverage b(*model, 0.99);
  b.load(saved, "ema.", a.updates());
  EXPECT_EQ(b.updates(), 5);
  const StateDict restored = b.state("ema.");
  for (size_t i = 0; i < saved.size(); ++i)
    for (int64_t k = 0; k < saved[i].tensor.numel(); ++k)
      ASSERT_EQ(restored[i].tensor.data()[k], saved[i].tensor.data()[k]) << saved[i].name;

  saved.erase(saved.begin());
  try {
    b.load(saved, "ema.", 5);
    FAIL() << "a missing entry was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("ema.0.weight"), std::string::npos) << e.what();
  }
}

TEST(WeightAverage, DecayOutOfRangeIsAConfigError) {
  train::TrainConfig c;
  c.ema = 1.0;
  EXPECT_THROW(c.validate(), ConfigError);
  c.ema = -0.1;
  EXPECT_THROW(c.validate(), ConfigError);
  c.ema = 0.0;
  EXPECT_NO_THROW(c.validate());
}

}  // namespace
