// LR schedules against PyTorch 1.13 (tests/data/scheduler_golden.json from
// scripts/golden/make_optim_golden.py), their checkpoints, the factory and their errors.
//
// Tolerance 1e-9 relative: both sides compute in double; PyTorch's chainable forms multiply
// step by step where ours are closed forms, which differs by a few ulps (about 1e-15).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>

#include "nnlab/error.h"
#include "nnlab/optim/adagrad.h"
#include "nnlab/optim/adam.h"
#include "nnlab/optim/make_scheduler.h"
#include "nnlab/optim/sgd.h"
#include "nnlab/optim/warmup.h"
#include "optim_test_util.h"

using namespace nnlab;
using namespace nnlab::optim;
using nlohmann::json;

namespace {

// Two groups with the golden base lrs, over small parameters of their own.
struct Setup {
  std::vector<Tensor> params = {Tensor::zeros({2}), Tensor::zeros({3})};
  std::unique_ptr<Optimizer> opt;
  std::unique_ptr<LRScheduler> sched;
};

ScheduleConfig config_of(const json& s) {
  ScheduleConfig c;
  c.name = s["kind"];
  c.epochs = 100;
  c.warmup = s.value("warmup", 0);
  c.warmup_start_factor = s.value("start_factor", 1.0 / 3);
  if (s.contains("step_size")) c.step_size = s["step_size"].get<int64_t>();
  if (s.contains("gamma")) c.gamma = s["gamma"].get<double>();
  c.milestones = s.value("milestones", std::vector<int64_t>{});
  if (s.contains("t_max")) c.t_max = s["t_max"].get<int64_t>();
  c.eta_min = s.value("eta_min", 0.0);
  if (c.name == "onecycle") {
    c.one_cycle = OneCycleOptions(s["total_steps"].get<int64_t>())
                      .pct_start(s.value("pct_start", 0.3))
                      .anneal_strategy(s.value("anneal", "cos") == "linear" ? Anneal::Linear : Anneal::Cos)
                      .three_phase(s.value("three_phase", false))
                      .div_factor(s.value("div_factor", 25.0))
                      .final_div_factor(s.value("final_div_factor", 1e4))
                      .base_momentum(s.value("base_momentum", 0.85))
                      .max_momentum(s.value("max_momentum", 0.95))
                      .cycle_momentum(s.value("cycle_momentum", true));
  }
  if (c.name == "plateau") {
    c.plateau.mode(s["mode"] == "min" ? PlateauMode::Min : PlateauMode::Max)
        .factor(s["factor"])
        .patience(s["patience"])
        .threshold(s["threshold"])
        .threshold_mode(s["threshold_mode"] == "rel" ? ThresholdMode::Relative : ThresholdMode::Absolute)
        .cooldown(s["cooldown"])
        .min_lr(s["min_lr"]);
  }
  return c;
}

std::unique_ptr<Setup> build(const json& golden, const json& c) {
  auto s = std::make_unique<Setup>();
  const double lr0 = golden["base_lrs"][0], lr1 = golden["base_lrs"][1];
  std::vector<ParamGroup> groups = {ParamGroup{{s->params[0]}, lr0}, ParamGroup{{s->params[1]}, lr1}};
  if (c["optimizer"] == "adam")
    s->opt = std::make_unique<Adam>(groups, AdamOptions());
  else
    s->opt = std::make_unique<SGD>(groups, SGDOptions(lr0).momentum(0.9));
  s->sched = make_scheduler(*s->opt, config_of(c["schedule"]));
  return s;
}

void advance(Setup& s, const json& c, size_t step) {
  if (c.contains("metrics"))
    s.sched->step(c["metrics"][step - 1].get<double>());
  else
    s.sched->step();
}

}  // namespace

TEST(SchedulerGolden, EveryScheduleMatchesPyTorch) {
  const json golden = load_golden("scheduler_golden.json");
  Deviation lr_dev{1e-9, 1e-15}, momentum_dev{1e-9, 1e-15};
  ASSERT_GE(golden["cases"].size(), 14u);
  for (const json& c : golden["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    auto s = build(golden, c);
    EXPECT_EQ(s->sched->unit(), c["schedule"]["kind"] == "onecycle" ? StepUnit::Batch : StepUnit::Epoch);
    for (size_t step = 0; step < c["lrs"].size(); ++step) {
      SCOPED_TRACE("step " + std::to_string(step));
      if (step > 0) advance(*s, c, step);
      EXPECT_EQ(s->sched->last_epoch(), static_cast<int64_t>(step));
      for (size_t g = 0; g < 2; ++g) {
        const double want = c["lrs"][step][g];
        EXPECT_TRUE(lr_dev.check(s->opt->lr(g), want)) << "group " << g << " lr " << s->opt->lr(g) << " want " << want;
        if (c.contains("momenta")) {
          const double m = c["momenta"][step][g];
          EXPECT_TRUE(momentum_dev.check(s->opt->momentum(g), m)) << "group " << g << " momentum";
        }
      }
    }
  }
  std::printf("[ golden   ] %zu schedules: lr max |diff| %.3g (max rel %.3g); momentum max |diff| %.3g\n",
              golden["cases"].size(), lr_dev.max_abs, lr_dev.max_rel, momentum_dev.max_abs);
}

TEST(SchedulerState, ResumeMidRunGivesTheSameLrs) {
  const json golden = load_golden("scheduler_golden.json");
  for (const json& c : golden["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const size_t steps = c["lrs"].size() - 1, cut = steps / 2;
    auto straight = build(golden, c);
    auto first = build(golden, c);
    for (size_t step = 1; step <= cut; ++step) {
      advance(*straight, c, step);
      advance(*first, c, step);
    }
    // What a checkpoint holds, through text.
    const json sched_state = json::parse(first->sched->state_dict().dump());
    OptimizerState opt_state = first->opt->state_dict();
    opt_state.meta = json::parse(opt_state.meta.dump());

    auto resumed = build(golden, c);
    resumed->opt->load_state_dict(opt_state);
    resumed->sched->load_state_dict(sched_state);
    EXPECT_EQ(resumed->sched->last_epoch(), static_cast<int64_t>(cut));
    for (size_t step = cut + 1; step <= steps; ++step) {
      advance(*straight, c, step);
      advance(*resumed, c, step);
      for (size_t g = 0; g < 2; ++g) {
        EXPECT_EQ(resumed->opt->lr(g), straight->opt->lr(g)) << "step " << step;
        if (straight->opt->has_momentum()) {
          EXPECT_EQ(resumed->opt->momentum(g), straight->opt->momentum(g));
        }
      }
    }
    EXPECT_EQ(resumed->sched->state_dict(), straight->sched->state_dict());
  }
}

TEST(SchedulerState, MismatchedStateIsRefused) {
  std::vector<Tensor> p = {Tensor::zeros({2})};
  SGD sgd(p, SGDOptions(0.1));
  CosineAnnealingLR cosine(sgd, 10);
  StepLR step(sgd, 3);
  EXPECT_THROW(step.load_state_dict(cosine.state_dict()), ConfigError);
  json s = cosine.state_dict();
  s["base_lrs"] = {0.1, 0.2};
  EXPECT_THROW(cosine.load_state_dict(s), ConfigError);
  s = cosine.state_dict();
  s.erase("last_epoch");
  EXPECT_THROW(cosine.load_state_dict(s), ConfigError);
  s = cosine.state_dict();
  s["last_epoch"] = -3;
  EXPECT_THROW(cosine.load_state_dict(s), ConfigError);

  SGD momentum_sgd(p, SGDOptions(0.1).momentum(0.9));
  OneCycleLR one(momentum_sgd, OneCycleOptions(20));
  OneCycleLR other(momentum_sgd, OneCycleOptions(30));
  EXPECT_THROW(other.load_state_dict(one.state_dict()), ConfigError);

  ReduceLROnPlateau plateau(sgd);
  plateau.step(1.0);
  plateau.step(-INFINITY);
  json ps = json::parse(plateau.state_dict().dump());
  ReduceLROnPlateau restored(sgd);
  restored.load_state_dict(ps);
  EXPECT_EQ(restored.best(), -INFINITY);
  ps["best"] = "huge";
  EXPECT_THROW(restored.load_state_dict(ps), ConfigError);
  EXPECT_EQ(ReduceLROnPlateau(sgd).state_dict()["best"], "inf");
}

TEST(SchedulerErrors, OutOfRangeOptionsAndMisuse) {
  std::vector<Tensor> p = {Tensor::zeros({2})};
  SGD sgd(p, SGDOptions(0.1).momentum(0.9));
  EXPECT_THROW(StepLR(sgd, 0), ConfigError);
  EXPECT_THROW(MultiStepLR(sgd, {0, 3}), ConfigError);
  EXPECT_THROW(ExponentialLR(sgd, 0), ConfigError);
  EXPECT_THROW(CosineAnnealingLR(sgd, 0), ConfigError);
  EXPECT_THROW(OneCycleLR(sgd, OneCycleOptions(0)), ConfigError);
  EXPECT_THROW(OneCycleLR(sgd, OneCycleOptions(100).pct_start(1.5)), ConfigError);
  EXPECT_THROW(OneCycleLR(sgd, OneCycleOptions(3).pct_start(0.3)), ConfigError);  // no steps to the peak
  EXPECT_THROW(ReduceLROnPlateau(sgd, PlateauOptions().factor(1.0)), ConfigError);
  EXPECT_THROW(ReduceLROnPlateau(sgd, PlateauOptions().patience(-1)), ConfigError);

  Adagrad adagrad(p, AdagradOptions());
  EXPECT_THROW(OneCycleLR(adagrad, OneCycleOptions(10)), ConfigError);
  OneCycleLR fixed_momentum(adagrad, OneCycleOptions(10).cycle_momentum(false));

  OneCycleLR one(sgd, OneCycleOptions(4).anneal_strategy(Anneal::Linear));
  for (int i = 0; i < 4; ++i) one.step();  // PyTorch allows total_steps steps after construction
  EXPECT_NEAR(sgd.lr(0), 0.1 / 25 / 1e4, 1e-17) << "the step after the last batch holds the final lr";
  EXPECT_THROW(one.step(), ConfigError);

  ReduceLROnPlateau plateau(sgd);
  EXPECT_THROW(plateau.step(), Error);

  EXPECT_THROW(LinearWarmup(sgd, 2, 0.0, std::make_unique<ConstantSchedule>(sgd)), ConfigError);
  EXPECT_THROW(LinearWarmup(sgd, 2, 0.5, nullptr), ConfigError);
  SGD other(std::vector<Tensor>{Tensor::zeros({1})}, SGDOptions(0.1));
  EXPECT_THROW(LinearWarmup(sgd, 2, 0.5, std::make_unique<ConstantSchedule>(other)), ConfigError);
}

TEST(SchedulerFactory, NamesDefaultsAndErrors) {
  std::vector<Tensor> p = {Tensor::zeros({2})};
  SGD sgd(p, SGDOptions(0.1).momentum(0.9));
  ScheduleConfig c;
  c.name = "cosine";
  c.epochs = 10;
  c.warmup = 2;
  c.warmup_start_factor = 0.5;
  auto cosine = make_scheduler(sgd, c);
  EXPECT_EQ(cosine->name(), "warmup");
  EXPECT_DOUBLE_EQ(sgd.lr(0), 0.05);
  cosine->step();
  EXPECT_DOUBLE_EQ(sgd.lr(0), 0.075);
  for (int e = 2; e <= 10; ++e) cosine->step();
  EXPECT_NEAR(sgd.lr(0), 0.0, 1e-15) << "cosine after warm-up ends at the last epoch by default";

  sgd.set_lr(0, 0.1);
  c = {};
  c.name = "multistep";
  c.epochs = 8;
  auto multistep = make_scheduler(sgd, c);  // default drops at epochs 4 and 6
  std::vector<double> lrs;
  for (int e = 0; e < 8; ++e, multistep->step()) lrs.push_back(sgd.lr(0));
  EXPECT_NEAR(lrs[3], 0.1, 1e-15);
  EXPECT_NEAR(lrs[4], 0.01, 1e-15);
  EXPECT_NEAR(lrs[6], 0.001, 1e-15);

  sgd.set_lr(0, 0.1);
  c = {};
  c.name = "none";
  c.warmup = 4;
  auto none = make_scheduler(sgd, c);
  for (int e = 0; e < 10; ++e) none->step();
  EXPECT_DOUBLE_EQ(sgd.lr(0), 0.1);

  c = {};
  c.name = "onecycle";
  c.epochs = 3;
  c.steps_per_epoch = 5;
  auto one = make_scheduler(sgd, c);
  EXPECT_EQ(one->unit(), StepUnit::Batch);
  EXPECT_DOUBLE_EQ(sgd.lr(0), 0.1 / 25);
  for (int i = 0; i < 15; ++i) one->step();
  EXPECT_THROW(one->step(), ConfigError) << "total_steps = epochs × steps_per_epoch";

  Adagrad adagrad(p, AdagradOptions(0.1));
  EXPECT_EQ(make_scheduler(adagrad, c)->name(), "onecycle") << "the factory keeps Adagrad's momentum fixed";

  c = {};
  c.name = "exponential";
  EXPECT_THROW(make_scheduler(sgd, c), ConfigError);
  c.name = "onecycle";
  c.warmup = 3;
  EXPECT_THROW(make_scheduler(sgd, c), ConfigError);
  c = {};
  c.name = "linear";
  try {
    make_scheduler(sgd, c);
    ADD_FAILURE() << "an unknown schedule name is accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("plateau"), std::string::npos) << e.what();
  }
  c.name = "step";
  c.epochs = 0;
  EXPECT_THROW(make_scheduler(sgd, c), ConfigError);
}

TEST(SchedulerWarmup, PlateauAfterWarmupCountsFromTheEndOfTheWarmup) {
  std::vector<Tensor> p = {Tensor::zeros({2})};
  SGD sgd(p, SGDOptions(1.0));
  auto plateau = std::make_unique<ReduceLROnPlateau>(sgd, PlateauOptions().patience(1).factor(0.5));
  LinearWarmup warm(sgd, 2, 0.5, std::move(plateau));
  EXPECT_DOUBLE_EQ(sgd.lr(0), 0.5);
  warm.step(5.0);  // warm-up: metrics ignored
  EXPECT_DOUBLE_EQ(sgd.lr(0), 0.75);
  warm.step(5.0);
  EXPECT_DOUBLE_EQ(sgd.lr(0), 1.0);
  warm.step(5.0);  // the plateau's first metric: an improvement on +inf
  warm.step(5.0);  // one bad epoch (patience 1)
  EXPECT_DOUBLE_EQ(sgd.lr(0), 1.0);
  warm.step(5.0);  // two: reduce
  EXPECT_DOUBLE_EQ(sgd.lr(0), 0.5);
  EXPECT_EQ(dynamic_cast<const ReduceLROnPlateau&>(warm.then()).last_epoch(), 3);
}
