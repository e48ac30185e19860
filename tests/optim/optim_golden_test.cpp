// Optimizers and clip_grad_norm_ against PyTorch 1.13, step for step, on the gradient
// sequences of tests/data/optim_golden.json (scripts/golden/make_optim_golden.py).
//
// Tolerance: |got − want| ≤ 1e-5·|want| + 1e-6. Both sides compute in float32 with the
// same formulas, but not bit for bit: PyTorch's vectorised kernels may fuse multiply-adds
// where our loops do not (or the reverse), its norms are float32 where ours accumulate in
// double, and scalars such as lr/(1 − β₁ᵗ) are rounded to float at slightly different
// points. Each of those is an ulp or so (6e-8 relative) per step; over 12 steps with
// parameters of order 1 they stay far below the tolerance (the test prints the largest).
// A wrong formula (a missed bias correction, dampening on the first step, Nesterov's
// look-ahead) is off by 1e-3 or more at the first step it touches.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>

#include "nnlab/optim/adagrad.h"
#include "nnlab/optim/adam.h"
#include "nnlab/optim/clip_grad.h"
#include "nnlab/optim/rmsprop.h"
#include "nnlab/optim/sgd.h"
#include "optim_test_util.h"

using namespace nnlab;
using namespace nnlab::optim;
using nlohmann::json;

namespace {

template <class T>
T get_or(const json& j, const char* key, T fallback) {
  return j.contains(key) ? j[key].get<T>() : fallback;
}

std::unique_ptr<Optimizer> build(const std::string& kind, const json& o, const std::vector<ParamGroup>& groups) {
  if (kind == "sgd")
    return std::make_unique<SGD>(groups, SGDOptions(o["lr"].get<double>())
                                             .momentum(get_or(o, "momentum", 0.0))
                                             .dampening(get_or(o, "dampening", 0.0))
                                             .nesterov(get_or(o, "nesterov", false))
                                             .weight_decay(get_or(o, "weight_decay", 0.0))
                                             .decoupled_weight_decay(get_or(o, "decoupled_weight_decay", false)));
  if (kind == "adam" || kind == "adamw") {
    AdamOptions a = kind == "adamw" ? AdamWOptions() : AdamOptions();
    a.lr(o["lr"].get<double>());
    if (o.contains("betas")) a.betas({o["betas"][0].get<double>(), o["betas"][1].get<double>()});
    a.eps(get_or(o, "eps", a.eps())).weight_decay(get_or(o, "weight_decay", a.weight_decay()));
    a.amsgrad(get_or(o, "amsgrad", false));
    if (kind == "adamw") return std::make_unique<AdamW>(groups, a);
    return std::make_unique<Adam>(groups, a);
  }
  if (kind == "rmsprop")
    return std::make_unique<RMSprop>(groups, RMSpropOptions(o["lr"].get<double>())
                                                 .alpha(get_or(o, "alpha", 0.99))
                                                 .eps(get_or(o, "eps", 1e-8))
                                                 .momentum(get_or(o, "momentum", 0.0))
                                                 .centered(get_or(o, "centered", false))
                                                 .weight_decay(get_or(o, "weight_decay", 0.0)));
  if (kind == "adagrad")
    return std::make_unique<Adagrad>(groups, AdagradOptions(o["lr"].get<double>())
                                                 .lr_decay(get_or(o, "lr_decay", 0.0))
                                                 .initial_accumulator_value(get_or(o, "initial_accumulator_value", 0.0))
                                                 .weight_decay(get_or(o, "weight_decay", 0.0))
                                                 .eps(get_or(o, "eps", 1e-10)));
  throw std::runtime_error("unknown optimizer " + kind);
}

Tensor tensor_of(const json& shape, const json& values) {
  return Tensor::from_data(shape.get<Shape>(), values.get<std::vector<float>>());
}

}  // namespace

TEST(OptimGolden, EveryConfigurationMatchesPyTorchStepForStep) {
  const json golden = load_golden("optim_golden.json");
  const json& shapes = golden["shapes"];
  Deviation params_dev{1e-5, 1e-6}, norms_dev{1e-5, 1e-6};
  ASSERT_GE(golden["cases"].size(), 15u);
  for (const json& c : golden["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    std::vector<Tensor> params;
    for (size_t i = 0; i < shapes.size(); ++i) params.push_back(tensor_of(shapes[i], golden["initial"][i]));
    std::vector<ParamGroup> groups;
    if (c["groups"].is_null()) {
      groups.push_back(ParamGroup{params});
    } else {
      for (const json& g : c["groups"]) {
        ParamGroup group;
        for (int i : g["params"]) group.params.push_back(params[i]);
        if (g.contains("lr")) group.lr = g["lr"].get<double>();
        if (g.contains("weight_decay")) group.weight_decay = g["weight_decay"].get<double>();
        groups.push_back(group);
      }
    }
    Deviation case_dev{1e-5, 1e-6};
    std::unique_ptr<Optimizer> opt = build(c["optimizer"], c["options"], groups);
    EXPECT_EQ(opt->name(), c["optimizer"].get<std::string>());
    for (size_t step = 0; step < golden["grads"].size(); ++step) {
      SCOPED_TRACE("step " + std::to_string(step));
      opt->zero_grad();
      for (size_t i = 0; i < params.size(); ++i) {
        const json& g = golden["grads"][step][i];
        if (!g.is_null()) params[i].set_grad(tensor_of(shapes[i], g));
      }
      if (!c["clip"].is_null()) {
        const json& clip = c["clip"];
        const double p = clip["norm_type"] == "inf" ? kInfNorm : clip["norm_type"].get<double>();
        const double norm = clip_grad_norm_(params, clip["max_norm"].get<double>(), p);
        const double want = c["norms"][step].get<double>();
        EXPECT_TRUE(norms_dev.check(norm, want)) << "norm " << norm << " want " << want;
      }
      opt->step();
      for (size_t i = 0; i < params.size(); ++i) {
        const std::vector<float> got = params[i].to_vector();
        const json& want = c["expected"][step][i];
        ASSERT_EQ(got.size(), want.size());
        for (size_t k = 0; k < got.size(); ++k) {
          params_dev.check(got[k], want[k].get<double>());
          ASSERT_TRUE(case_dev.check(got[k], want[k].get<double>()))
              << "param " << i << "[" << k << "] = " << got[k] << ", PyTorch " << want[k].get<double>();
        }
      }
    }
    std::printf("[ golden   ] %-28s max |diff| %.2g\n", c["name"].get<std::string>().c_str(), case_dev.max_abs);
  }
  std::printf("[ golden   ] %zu optimizer configurations: parameters max |diff| %.3g (max rel %.3g); "
              "clip norms max |diff| %.3g (max rel %.3g)\n",
              golden["cases"].size(), params_dev.max_abs, params_dev.max_rel, norms_dev.max_abs, norms_dev.max_rel);
}
