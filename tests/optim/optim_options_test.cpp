// Optimizer construction, options, groups and the step's contract (skipped parameters,
// versions, zero_grad), the decay-group helper and the factory.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "nnlab/error.h"
#include "nnlab/generator.h"
#include "nnlab/optim/adagrad.h"
#include "nnlab/optim/adam.h"
#include "nnlab/optim/make_optimizer.h"
#include "nnlab/optim/param_groups.h"
#include "nnlab/optim/rmsprop.h"
#include "nnlab/optim/sgd.h"

using namespace nnlab;
using namespace nnlab::optim;

namespace {

// The ConfigError message of f(), or "" when it does not throw one.
template <class F>
std::string config_error(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(OptimOptions, OutOfRangeOptionsNameTheOptionAndRange) {
  std::vector<Tensor> p = {Tensor::zeros({2})};
  std::string msg = config_error([&] { SGD(p, SGDOptions(-0.1)); });
  EXPECT_NE(msg.find("lr"), std::string::npos) << msg;
  EXPECT_NE(msg.find(">= 0"), std::string::npos) << msg;
  EXPECT_NE(config_error([&] { SGD(p, SGDOptions(0.1).momentum(-1)); }).find("momentum"), std::string::npos);
  EXPECT_NE(config_error([&] { SGD(p, SGDOptions(0.1).nesterov(true)); }).find("nesterov"), std::string::npos);
  EXPECT_NE(config_error([&] { SGD(p, SGDOptions(0.1).momentum(0.9).dampening(0.5).nesterov(true)); }), "");
  EXPECT_NE(config_error([&] { SGD(p, SGDOptions(NAN)); }), "");
  EXPECT_NE(config_error([&] { Adam(p, AdamOptions().betas({0.9, 1.0})); }).find("beta2"), std::string::npos);
  EXPECT_NE(config_error([&] { Adam(p, AdamOptions().betas({-0.1, 0.9})); }).find("beta1"), std::string::npos);
  EXPECT_NE(config_error([&] { Adam(p, AdamOptions().eps(-1)); }).find("eps"), std::string::npos);
  EXPECT_NE(config_error([&] { AdamW(p, AdamWOptions().weight_decay(-1)); }).find("weight_decay"),
            std::string::npos);
  EXPECT_NE(config_error([&] { RMSprop(p, RMSpropOptions().alpha(1.5)); }).find("alpha"), std::string::npos);
  EXPECT_NE(config_error([&] { Adagrad(p, AdagradOptions().lr_decay(-1)); }).find("lr_decay"), std::string::npos);
  EXPECT_NE(config_error([&] { Adagrad(p, AdagradOptions().initial_accumulator_value(-1)); }), "");
  // A group override is checked too, and so is a later set_lr.
  EXPECT_NE(config_error([&] { SGD({ParamGroup{p, -1.0}}, SGDOptions(0.1)); }), "");
  SGD sgd(p, SGDOptions(0.1));
  EXPECT_THROW(sgd.set_lr(0, -1), ConfigError);
  EXPECT_DOUBLE_EQ(sgd.lr(0), 0.1);
}

TEST(OptimOptions, ParameterListsAreChecked) {
  Tensor a = Tensor::zeros({2});
  EXPECT_THROW(SGD(std::vector<Tensor>{}, SGDOptions(0.1)), ConfigError);
  EXPECT_THROW(SGD({ParamGroup{{a}}, ParamGroup{{a}}}, SGDOptions(0.1)), ConfigError);
  EXPECT_THROW(SGD(std::vector<Tensor>{a, a}, SGDOptions(0.1)), ConfigError);
  EXPECT_THROW(SGD(std::vector<Tensor>{Tensor()}, SGDOptions(0.1)), ConfigError);
  Tensor m = Tensor::zeros({2, 3});
  EXPECT_THROW(SGD(std::vector<Tensor>{m.transpose(0, 1)}, SGDOptions(0.1)), ConfigError);
  // An empty group beside a non-empty one is fine (weight_decay_groups makes them).
  SGD ok({ParamGroup{{a}}, ParamGroup{}}, SGDOptions(0.1));
  EXPECT_EQ(ok.num_groups(), 2u);
  EXPECT_EQ(ok.num_params(), 1u);
}

TEST(OptimOptions, GroupsTakeOverridesElseDefaults) {
  Tensor a = Tensor::zeros({2}), b = Tensor::zeros({3});
  SGD sgd({ParamGroup{{a}}, ParamGroup{{b}, 0.01, 0.0}}, SGDOptions(0.1).momentum(0.9).weight_decay(5e-4));
  EXPECT_DOUBLE_EQ(sgd.lr(0), 0.1);
  EXPECT_DOUBLE_EQ(sgd.options(0).weight_decay(), 5e-4);
  EXPECT_DOUBLE_EQ(sgd.lr(1), 0.01);
  EXPECT_DOUBLE_EQ(sgd.options(1).weight_decay(), 0.0);
  EXPECT_DOUBLE_EQ(sgd.options(1).momentum(), 0.9);
  EXPECT_TRUE(sgd.params(1)[0].is_same(b));
  sgd.set_lr(1, 0.5);
  EXPECT_DOUBLE_EQ(sgd.lr(1), 0.5);
  EXPECT_DOUBLE_EQ(sgd.lr(0), 0.1);
  sgd.set_options(0, SGDOptions(0.2).momentum(0.5));
  EXPECT_DOUBLE_EQ(sgd.options(0).momentum(), 0.5);
  EXPECT_THROW(sgd.set_options(0, SGDOptions(0.2).dampening(2)), ConfigError);
}

TEST(OptimOptions, StepSkipsParametersWithoutGradientAndBumpsVersions) {
  Tensor a = Tensor::ones({3}), b = Tensor::ones({2});
  Adam adam(std::vector<Tensor>{a, b}, AdamOptions(0.1));
  a.set_grad(Tensor::full({3}, 2.0f));
  const uint64_t va = a.version(), vb = b.version();
  adam.step();
  EXPECT_EQ(b.to_vector(), (std::vector<float>{1, 1}));
  EXPECT_EQ(b.version(), vb);
  EXPECT_GT(a.version(), va);
  // Adam's first step moves every element by lr (m̂/√v̂ = ±1) up to eps.
  for (float x : a.to_vector()) EXPECT_NEAR(x, 0.9f, 1e-6);
  EXPECT_EQ(adam.state_dict().meta["state"].size(), 1u);
  adam.zero_grad();
  EXPECT_FALSE(a.grad().defined());
  adam.step();  // nothing has a gradient: nothing moves
  for (float x : a.to_vector()) EXPECT_NEAR(x, 0.9f, 1e-6);
}

TEST(OptimOptions, LargeTensorsTakeTheParallelPathWithTheSameBits) {
  // 100 000 elements run the OpenMP loop; the same values split into small tensors run the
  // single-threaded one. Elementwise updates must agree exactly.
  const int64_t n = 100000, pieces = 100;
  Generator gen(3);
  Tensor big = Tensor::normal({n}, 0, 1, gen), big_grad = Tensor::normal({n}, 0, 1, gen);
  std::vector<Tensor> small, small_grads;
  for (int64_t k = 0; k < pieces; ++k) {
    small.push_back(big.slice(k * (n / pieces), (k + 1) * (n / pieces)).clone());
    small_grads.push_back(big_grad.slice(k * (n / pieces), (k + 1) * (n / pieces)).clone());
  }
  Adam big_opt(std::vector<Tensor>{big}, AdamOptions(0.01).amsgrad(true));
  Adam small_opt(small, AdamOptions(0.01).amsgrad(true));
  SGD big_sgd(std::vector<Tensor>{big}, SGDOptions(0.01).momentum(0.9).nesterov(true));
  SGD small_sgd(small, SGDOptions(0.01).momentum(0.9).nesterov(true));
  for (int step = 0; step < 3; ++step) {
    big.set_grad(big_grad);
    for (int64_t k = 0; k < pieces; ++k) small[k].set_grad(small_grads[k]);
    big_opt.step();
    small_opt.step();
    big_sgd.step();
    small_sgd.step();
  }
  std::vector<float> joined;
  for (const Tensor& t : small) {
    auto v = t.to_vector();
    joined.insert(joined.end(), v.begin(), v.end());
  }
  EXPECT_EQ(joined, big.to_vector());
}

TEST(OptimOptions, MomentumCoefficientForSchedules) {
  std::vector<Tensor> p = {Tensor::zeros({2})};
  SGD sgd(p, SGDOptions(0.1).momentum(0.9));
  sgd.set_momentum(0, 0.85);
  EXPECT_DOUBLE_EQ(sgd.options(0).momentum(), 0.85);
  Adam adam(p, AdamOptions());
  EXPECT_TRUE(adam.has_momentum());
  adam.set_momentum(0, 0.8);
  EXPECT_DOUBLE_EQ(adam.options(0).betas().first, 0.8);
  EXPECT_DOUBLE_EQ(adam.options(0).betas().second, 0.999);
  RMSprop rms(p, RMSpropOptions());
  rms.set_momentum(0, 0.5);
  EXPECT_DOUBLE_EQ(rms.momentum(0), 0.5);
  Adagrad ada(p, AdagradOptions());
  EXPECT_FALSE(ada.has_momentum());
  EXPECT_THROW(ada.momentum(0), ConfigError);
  EXPECT_THROW(ada.set_momentum(0, 0.9), ConfigError);
}

TEST(OptimOptions, OptionsSwitchedOnMidRunStartTheirBuffers) {
  Tensor a = Tensor::ones({4});
  Adam adam(std::vector<Tensor>{a}, AdamOptions(0.1));
  RMSprop rms(std::vector<Tensor>{Tensor::ones({4})}, RMSpropOptions(0.1));
  a.set_grad(Tensor::ones({4}));
  rms.params(0)[0].set_grad(Tensor::ones({4}));
  adam.step();
  rms.step();
  adam.set_options(0, AdamOptions(0.1).amsgrad(true));
  rms.set_options(0, RMSpropOptions(0.1).momentum(0.9).centered(true));
  adam.step();
  rms.step();
  EXPECT_EQ(adam.state_dict().tensors.count("state.0.max_exp_avg_sq"), 1u);
  EXPECT_EQ(rms.state_dict().tensors.size(), 3u);
  for (float x : a.to_vector()) EXPECT_TRUE(std::isfinite(x));
}

TEST(OptimOptions, AdamWDecouplesTheDecay) {
  // With a zero gradient Adam's moments stay zero, so AdamW only shrinks: p·(1 − lr·λ);
  // coupled L2 instead feeds λp through the moments and moves p by about lr.
  Tensor a = Tensor::full({2}, 2.0f), b = Tensor::full({2}, 2.0f);
  AdamW adamw(std::vector<Tensor>{a}, AdamWOptions(0.1).weight_decay(0.5));
  Adam adam(std::vector<Tensor>{b}, AdamOptions(0.1).weight_decay(0.5));
  EXPECT_EQ(adamw.name(), "adamw");
  EXPECT_TRUE(adamw.options(0).decoupled_weight_decay());
  a.set_grad(Tensor::zeros({2}));
  b.set_grad(Tensor::zeros({2}));
  adamw.step();
  adam.step();
  EXPECT_FLOAT_EQ(a.to_vector()[0], 2.0f * (1 - 0.1f * 0.5f));
  EXPECT_NEAR(b.to_vector()[0], 1.9f, 1e-5);
}

TEST(OptimParamGroups, BiasesAndOneDimensionalTensorsGetNoDecay) {
  NamedTensors named = {{"features.0.weight", Tensor::zeros({8, 3, 3, 3})}, {"features.0.bias", Tensor::zeros({8})},
                        {"features.1.weight", Tensor::zeros({8})},        {"features.1.bias", Tensor::zeros({8})},
                        {"classifier.weight", Tensor::zeros({10, 8})},    {"classifier.bias", Tensor::zeros({10})},
                        {"odd.bias", Tensor::zeros({2, 2})},              {"scale", Tensor::scalar(1)}};
  std::vector<ParamGroup> groups = weight_decay_groups(named);
  ASSERT_EQ(groups.size(), 2u);
  ASSERT_EQ(groups[0].params.size(), 2u);
  EXPECT_TRUE(groups[0].params[0].is_same(named[0].second));
  EXPECT_TRUE(groups[0].params[1].is_same(named[4].second));
  EXPECT_FALSE(groups[0].weight_decay.has_value());
  EXPECT_EQ(groups[1].params.size(), 6u);
  EXPECT_EQ(groups[1].weight_decay, 0.0);
  SGD sgd(groups, SGDOptions(0.1).weight_decay(5e-4));
  EXPECT_DOUBLE_EQ(sgd.options(0).weight_decay(), 5e-4);
  EXPECT_DOUBLE_EQ(sgd.options(1).weight_decay(), 0.0);
}

TEST(OptimFactory, BuildsByNameWithPyTorchDefaults) {
  std::vector<ParamGroup> groups = {ParamGroup{{Tensor::zeros({2})}}};
  OptimizerConfig c;
  c.name = "adamw";
  auto adamw = make_optimizer(groups, c);
  EXPECT_EQ(adamw->name(), "adamw");
  EXPECT_DOUBLE_EQ(adamw->lr(0), 1e-3);
  EXPECT_DOUBLE_EQ(dynamic_cast<Adam&>(*adamw).options(0).weight_decay(), 1e-2);
  c = {};
  c.name = "sgd";
  c.lr = 0.05;
  c.momentum = 0.9;
  c.nesterov = true;
  auto sgd = make_optimizer(groups, c);
  EXPECT_TRUE(dynamic_cast<SGD&>(*sgd).options(0).nesterov());
  for (const char* name : {"adam", "rmsprop", "adagrad"}) {
    c = {};
    c.name = name;
    c.lr = 0.01;
    c.weight_decay = 1e-4;
    EXPECT_EQ(make_optimizer(groups, c)->name(), name);
  }
}

TEST(OptimFactory, RejectsUnknownNamesAndMisplacedOptions) {
  std::vector<ParamGroup> groups = {ParamGroup{{Tensor::zeros({2})}}};
  OptimizerConfig c;
  c.name = "lamb";
  std::string msg = config_error([&] { make_optimizer(groups, c); });
  EXPECT_NE(msg.find("lamb"), std::string::npos);
  EXPECT_NE(msg.find("adagrad"), std::string::npos) << "lists the accepted names: " << msg;
  c.name = "sgd";
  EXPECT_NE(config_error([&] { make_optimizer(groups, c); }).find("lr"), std::string::npos);
  c.name = "adam";
  c.momentum = 0.9;
  EXPECT_NE(config_error([&] { make_optimizer(groups, c); }).find("momentum"), std::string::npos);
  c = {};
  c.name = "rmsprop";
  c.beta1 = 0.9;
  EXPECT_NE(config_error([&] { make_optimizer(groups, c); }), "");
}
