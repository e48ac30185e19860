// Module: parameter registration, state dicts, train/eval, and loading errors.
#include <gtest/gtest.h>

#include <algorithm>

#include "nnlab/autograd.h"
#include "nnlab/error.h"
#include "nnlab/nn/batchnorm.h"
#include "nnlab/nn/conv2d.h"
#include "nnlab/nn/linear.h"
#include "nnlab/nn/sequential.h"
#include "nnlab/ops/elementwise.h"
#include "nnlab/zoo/zoo.h"

using namespace nnlab;

namespace {

std::vector<std::string> keys(const StateDict& d) {
  std::vector<std::string> out;
  for (auto& e : d) out.push_back(e.name);
  return out;
}

std::string load_error(nn::Module& m, const StateDict& d) {
  try {
    m.load_state_dict(d);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Module, StateDictOrderAndNamesFollowPyTorch) {
  auto model = zoo::build({.name = "resnet20", .input = {3, 32, 32}});
  auto k = keys(model->state_dict());
  ASSERT_GE(k.size(), 12u);
  EXPECT_EQ(std::vector<std::string>(k.begin(), k.begin() + 6),
            (std::vector<std::string>{"0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                                      "1.num_batches_tracked"}));
  EXPECT_EQ(k[6], "3.body.0.weight");
  EXPECT_NE(std::find(k.begin(), k.end(), "6.shortcut.0.weight"), k.end());
  EXPECT_EQ(k.back(), "14.bias");
  EXPECT_TRUE(model->state_dict()[5].integer);
}

TEST(Module, NamedBuffersAreTheBatchNormStatisticsInStateDictOrder) {
  auto model = zoo::build({.name = "resnet20", .input = {3, 32, 32}});
  auto buffers = model->named_buffers();
  ASSERT_GE(buffers.size(), 3u);
  EXPECT_EQ(buffers[0].first, "1.running_mean");
  EXPECT_EQ(buffers[1].first, "1.running_var");
  EXPECT_EQ(buffers[2].first, "1.num_batches_tracked");
  // Every buffer is a state-dict entry that is not a parameter.
  auto state = model->state_dict();
  auto params = model->named_parameters();
  EXPECT_EQ(buffers.size() + params.size(), state.size());
  for (auto& [name, t] : buffers) {
    auto it = std::find_if(state.begin(), state.end(), [&](const StateEntry& e) { return e.name == name; });
    ASSERT_NE(it, state.end()) << name;
    EXPECT_EQ(it->tensor.shape(), t.shape()) << name;
  }
}

TEST(Module, PyTorchDefaultInitialisationBounds) {
  Generator gen(0);
  nn::Linear fc(nn::LinearOptions(400, 120), gen);
  const float bound = 1.0f / 20.0f;
  float lo = 1, hi = -1;
  for (float v : fc.weight.to_vector()) lo = std::min(lo, v), hi = std::max(hi, v);
  EXPECT_GE(lo, -bound);
  EXPECT_LE(hi, bound);
  EXPECT_LT(lo, -0.9f * bound);  // 48000 draws reach near both ends
  EXPECT_GT(hi, 0.9f * bound);
  nn::BatchNorm2d bn(nn::BatchNormOptions(8));
  EXPECT_EQ(bn.weight.to_vector(), std::vector<float>(8, 1.0f));
  EXPECT_EQ(bn.running_var.to_vector(), std::vector<float>(8, 1.0f));
}

TEST(Module, SameSeedSameWeights) {
  auto a = zoo::build({.name = "lenet5", .seed = 5}), b = zoo::build({.name = "lenet5", .seed = 5});
  auto c = zoo::build({.name = "lenet5", .seed = 6});
  EXPECT_EQ(a->parameters()[0].to_vector(), b->parameters()[0].to_vector());
  EXPECT_NE(a->parameters()[0].to_vector(), c->parameters()[0].to_vector());
}

TEST(Module, LoadStateDictErrorsListKeysAndShapes) {
  auto model = zoo::build({.name = "lenet5"});
  StateDict good = model->state_dict();

  StateDict missing(good.begin() + 1, good.end());
  EXPECT_NE(load_error(*model, missing).find("missing keys: 0.weight"), std::string::npos);

  StateDict extra = good;
  extra.push_back({"classifier.weight", Tensor::zeros({2}), false});
  EXPECT_NE(load_error(*model, extra).find("unexpected keys: classifier.weight"), std::string::npos);

  StateDict wrong = good;
  wrong[0].tensor = Tensor::zeros({6, 3, 5, 5});
  std::string msg = load_error(*model, wrong);
  EXPECT_NE(msg.find("0.weight (model [6, 1, 5, 5], file [6, 3, 5, 5])"), std::string::npos) << msg;

  // Non-strict loading tolerates missing and unexpected keys but never a shape mismatch.
  EXPECT_NO_THROW(model->load_state_dict(missing, false));
  EXPECT_THROW(model->load_state_dict(wrong, false), ConfigError);
}

TEST(Module, LoadStateDictCopiesValues) {
  auto a = zoo::build({.name = "vgg11", .input = {3, 32, 32}, .seed = 1});
  auto b = zoo::build({.name = "vgg11", .input = {3, 32, 32}, .seed = 2});
  b->load_state_dict(a->state_dict());
  auto sa = a->state_dict(), sb = b->state_dict();
  for (size_t i = 0; i < sa.size(); ++i) EXPECT_EQ(sa[i].tensor.to_vector(), sb[i].tensor.to_vector()) << sa[i].name;
}

TEST(Module, WrongInputShapeForAModelNamesBothShapes) {
  auto model = zoo::build({.name = "lenet5", .input = {1, 28, 28}});
  try {
    (*model)(Tensor::zeros({2, 3, 32, 32}));
    FAIL();
  } catch (const ShapeError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("[N, 1, 28, 28]"), std::string::npos) << m;
    EXPECT_NE(m.find("[2, 3, 32, 32]"), std::string::npos) << m;
  }
  EXPECT_THROW(zoo::build({.name = "resnet20", .input = {1, 28, 28}}), ShapeError);
  EXPECT_THROW(zoo::build({.name = "resnet21"}), ConfigError);
  EXPECT_THROW(zoo::build({.name = "mlp", .hidden = {10, 10}, .activations = {"relu", "tanh", "gelu"}}), ConfigError);
  EXPECT_THROW(zoo::build({.name = "mlp", .activations = {"swish"}}), ConfigError);
}

TEST(Module, TrainAndEvalReachEveryLayer) {
  auto model = zoo::build({.name = "mlp", .hidden = {16, 8}, .batch_norm = true, .dropout = 0.5f});
  model->eval();
  for (auto& [name, m] : model->named_modules()) EXPECT_FALSE(m->is_training()) << name;
  NoGradGuard no_grad;
  Tensor x = Tensor::ones({3, 1, 28, 28});
  EXPECT_EQ((*model)(x).to_vector(), (*model)(x).to_vector()) << "eval mode must be deterministic";
  model->train();
  EXPECT_TRUE(model->named_modules()[2].second->is_training());
  EXPECT_EQ(model->named_generators().size(), 2u) << "each dropout layer has its own generator";
}

TEST(Module, ForwardFlopsMatchTheReference) {
  auto lenet = zoo::build({.name = "lenet5", .input = {3, 32, 32}});
  // 2·(6·28·28·3·25 + 16·10·10·6·25 + 400·120 + 120·84 + 84·10): 1.303 MFLOP in ANCHORS.md.
  EXPECT_EQ(zoo::forward_flops(*lenet, {3, 32, 32}), 1303440);
  auto r18 = zoo::build({.name = "resnet18", .input = {3, 32, 32}});
  EXPECT_NEAR(zoo::forward_flops(*r18, {3, 32, 32}) / 1e6, 1110.845, 0.001);
}

}  // namespace
