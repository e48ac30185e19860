// Optimizer checkpoints: saving mid-run and continuing from the restored state gives
// exactly (bit for bit) the parameters of an uninterrupted run; mismatched state is refused
// with a ConfigError and leaves the optimizer as it was.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "nnlab/error.h"
#include "nnlab/generator.h"
#include "nnlab/optim/adagrad.h"
#include "nnlab/optim/adam.h"
#include "nnlab/optim/rmsprop.h"
#include "nnlab/optim/sgd.h"

using namespace nnlab;
using namespace nnlab::optim;

namespace {

using Factory = std::function<std::unique_ptr<Optimizer>(const std::vector<Tensor>&)>;

const std::vector<Shape> kShapes = {{6, 4}, {4}, {3, 2, 2}, {5}};

std::vector<Tensor> fresh_params() {
  Generator gen(7);
  std::vector<Tensor> params;
  for (const Shape& s : kShapes) params.push_back(Tensor::normal(s, 0, 1, gen));
  return params;
}

std::vector<Tensor> clones(const std::vector<Tensor>& params) {
  std::vector<Tensor> out;
  for (const Tensor& p : params) out.push_back(p.clone());
  return out;
}

// Step `step` of a fixed gradient sequence: parameter 1 has no gradient at steps 2 and 6,
// parameter 3 never has one (so it never gets state).
void set_grads(const std::vector<Tensor>& params, int step) {
  Generator gen(1000 + step);
  for (size_t i = 0; i < params.size(); ++i) {
    params[i].zero_grad();
    if (i == 3 || (i == 1 && (step == 2 || step == 6))) continue;
    params[i].set_grad(Tensor::normal(params[i].shape(), 0, 1, gen));
  }
}

void run(Optimizer& opt, const std::vector<Tensor>& params, int from, int to) {
  for (int step = from; step < to; ++step) {
    set_grads(params, step);
    opt.step();
  }
}

struct Kind {
  const char* name;
  Factory make;
};

std::vector<ParamGroup> two_groups(const std::vector<Tensor>& p) {
  return {ParamGroup{{p[0], p[2]}, 0.03, std::nullopt}, ParamGroup{{p[1], p[3]}, std::nullopt, 0.0}};
}

const std::vector<Kind>& kinds() {
  static const std::vector<Kind> k = {
      {"sgd", [](auto& p) { return std::make_unique<SGD>(p, SGDOptions(0.1)); }},
      {"sgd_nesterov",
       [](auto& p) {
         return std::make_unique<SGD>(two_groups(p), SGDOptions(0.1).momentum(0.9).nesterov(true).weight_decay(1e-3));
       }},
      {"sgdw",
       [](auto& p) {
         return std::make_unique<SGD>(p, SGDOptions(0.1).momentum(0.8).dampening(0.1).weight_decay(0.05)
                                             .decoupled_weight_decay(true));
       }},
      {"adam_amsgrad",
       [](auto& p) { return std::make_unique<Adam>(p, AdamOptions(0.01).amsgrad(true).weight_decay(0.01)); }},
      {"adamw_groups", [](auto& p) { return std::make_unique<AdamW>(two_groups(p), AdamWOptions(0.01)); }},
      {"rmsprop",
       [](auto& p) {
         return std::make_unique<RMSprop>(p, RMSpropOptions(0.01).momentum(0.5).centered(true).weight_decay(0.01));
       }},
      {"adagrad",
       [](auto& p) {
         return std::make_unique<Adagrad>(p, AdagradOptions(0.1).lr_decay(0.01).initial_accumulator_value(0.1));
       }},
  };
  return k;
}

}  // namespace

TEST(OptimState, ResumeMidRunEqualsUninterruptedRunBitForBit) {
  for (const Kind& kind : kinds()) {
    SCOPED_TRACE(kind.name);
    std::vector<Tensor> straight = fresh_params();
    auto opt_straight = kind.make(straight);
    run(*opt_straight, straight, 0, 10);

    std::vector<Tensor> first = fresh_params();
    auto opt_first = kind.make(first);
    run(*opt_first, first, 0, 5);
    opt_first->set_lr(0, opt_first->lr(0));  // a no-op set; the saved lr must stay exact
    OptimizerState saved = opt_first->state_dict();
    // Through text, as a checkpoint file stores the scalars.
    saved.meta = nlohmann::json::parse(saved.meta.dump());
    EXPECT_FALSE(saved.meta["state"].contains("3")) << "a parameter that never had a gradient has no state";
    run(*opt_first, first, 5, 10);  // the saved snapshot must not follow these steps

    std::vector<Tensor> resumed = clones(first);  // overwritten below with the step-5 values
    {
      std::vector<Tensor> again = fresh_params();
      auto opt_again = kind.make(again);
      run(*opt_again, again, 0, 5);
      for (size_t i = 0; i < resumed.size(); ++i) resumed[i].copy_(again[i]);
    }
    auto opt_resumed = kind.make(resumed);
    opt_resumed->load_state_dict(saved);
    run(*opt_resumed, resumed, 5, 10);
    for (size_t i = 0; i < straight.size(); ++i) {
      EXPECT_EQ(resumed[i].to_vector(), straight[i].to_vector()) << "parameter " << i;
      EXPECT_EQ(first[i].to_vector(), straight[i].to_vector()) << "parameter " << i;
    }
    EXPECT_EQ(opt_resumed->state_dict().meta, opt_straight->state_dict().meta);
  }
}

TEST(OptimState, StateNamesFollowPyTorch) {
  std::vector<Tensor> p = fresh_params();
  Adam adam(p, AdamOptions().amsgrad(true));
  run(adam, p, 0, 3);
  OptimizerState s = adam.state_dict();
  for (const char* key : {"state.0.exp_avg", "state.0.exp_avg_sq", "state.0.max_exp_avg_sq", "state.2.exp_avg"})
    EXPECT_TRUE(s.tensors.count(key)) << key;
  EXPECT_EQ(s.tensors.size(), 9u);  // parameters 0, 1, 2 with three buffers each; 3 has none
  EXPECT_EQ(s.meta["optimizer"], "adam");
  EXPECT_EQ(s.meta["state"]["0"]["step"], 3);
  EXPECT_EQ(s.meta["state"]["1"]["step"], 2);  // skipped at step 2
  EXPECT_EQ(s.meta["param_groups"][0]["params"], nlohmann::json({0, 1, 2, 3}));
  EXPECT_DOUBLE_EQ(s.meta["param_groups"][0]["lr"].get<double>(), 1e-3);
}

TEST(OptimState, LoadRestoresGroupHyperparameters) {
  std::vector<Tensor> p = fresh_params();
  SGD a(two_groups(p), SGDOptions(0.1).momentum(0.9));
  a.set_lr(1, 0.0125);
  std::vector<Tensor> q = fresh_params();
  SGD b(two_groups(q), SGDOptions(0.5));
  b.load_state_dict(a.state_dict());
  EXPECT_DOUBLE_EQ(b.lr(0), 0.03);
  EXPECT_DOUBLE_EQ(b.lr(1), 0.0125);
  EXPECT_DOUBLE_EQ(b.options(1).momentum(), 0.9);
  EXPECT_DOUBLE_EQ(b.options(1).weight_decay(), 0.0);
}

TEST(OptimState, MismatchesAreConfigErrorsAndChangeNothing) {
  std::vector<Tensor> p = fresh_params();
  Adam adam(p, AdamOptions(0.01));
  run(adam, p, 0, 2);
  const OptimizerState good = adam.state_dict();

  std::vector<Tensor> q = fresh_params();
  Adam target(q, AdamOptions(0.02));
  const OptimizerState before = target.state_dict();
  auto refused = [&](OptimizerState s, const char* why) {
    EXPECT_THROW(target.load_state_dict(s), ConfigError) << why;
    EXPECT_EQ(target.state_dict().meta, before.meta) << why;
    EXPECT_TRUE(target.state_dict().tensors.empty()) << why;
  };
  OptimizerState s = good;
  s.meta["optimizer"] = "sgd";
  refused(s, "another optimizer");
  s = good;
  s.tensors.erase("state.0.exp_avg_sq");
  refused(s, "a missing buffer");
  s = good;
  s.tensors["state.0.momentum_buffer"] = Tensor::zeros(kShapes[0]);
  refused(s, "a buffer Adam does not have");
  s = good;
  s.tensors["state.9.exp_avg"] = Tensor::zeros({1});
  refused(s, "a parameter that does not exist");
  s = good;
  s.tensors["exp_avg"] = Tensor::zeros({1});
  refused(s, "a malformed name");
  s = good;
  s.tensors["state.3.exp_avg"] = Tensor::zeros(kShapes[3]);
  refused(s, "a buffer for a parameter without state");
  s = good;
  s.tensors["state.0.exp_avg"] = Tensor::zeros({4, 6});
  refused(s, "a wrong shape");
  s = good;
  s.meta["param_groups"][0]["lr"] = -1.0;
  refused(s, "an invalid lr");
  s = good;
  s.meta["param_groups"][0].erase("eps");
  refused(s, "a missing option");
  s = good;
  s.meta["param_groups"].push_back(s.meta["param_groups"][0]);
  refused(s, "another group count");
  s = good;
  s.meta["param_groups"][0]["params"] = {0, 1, 2};
  refused(s, "another parameter count");
  s = good;
  s.meta["state"]["7"] = {{"step", 1}};
  refused(s, "state for a parameter that does not exist");
  s = good;
  s.meta["state"]["0"].erase("step");
  refused(s, "a missing step count");

  // AMSGrad in the loaded options requires its buffer.
  s = good;
  s.meta["param_groups"][0]["amsgrad"] = true;
  refused(s, "amsgrad without max_exp_avg_sq");

  // Same shapes in another parameter order is caught by the shapes.
  std::vector<Tensor> swapped = {q[2], q[1], q[0], q[3]};
  Adam other(swapped, AdamOptions());
  EXPECT_THROW(other.load_state_dict(good), ConfigError);

  target.load_state_dict(good);
  EXPECT_DOUBLE_EQ(target.lr(0), 0.01);
}
