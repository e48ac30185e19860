#include "nnlab/optim/make_optimizer.h"

#include <fmt/format.h>

#include <algorithm>

#include "nnlab/error.h"
#include "nnlab/optim/adagrad.h"
#include "nnlab/optim/adam.h"
#include "nnlab/optim/rmsprop.h"
#include "nnlab/optim/sgd.h"

namespace nnlab::optim {

namespace {

const char* const kNames[] = {"sgd", "adam", "adamw", "rmsprop", "adagrad"};

// A value other than the struct's own default (unset, false) counts as given.
bool given(const Option<OptimizerConfig>& o, const OptimizerConfig& c) { return o.get(c) != o.get(OptimizerConfig{}); }

}  // namespace

const OptionTable<OptimizerConfig>& OptimizerConfig::table() {
  using C = OptimizerConfig;
  static const OptionTable<C> t = OptionTable<C>()
      .add("optimizer", &C::name, kOptimizerNames)
      .add("lr", &C::lr, "Learning rate (the peak for onecycle unless `max_lr`)", positive())
      .add("momentum", &C::momentum, "momentum", in_half_open(0, 1), {"sgd", "rmsprop"})
      .add("nesterov", &C::nesterov, "Nesterov momentum", {}, {"sgd"})
      .add("weight_decay", &C::weight_decay, "Weight decay (decoupled for adamw, L2 for the others)", non_negative())
      .add("beta1", &C::beta1, "first-moment decay", in_half_open(0, 1), {"adam", "adamw"})
      .add("beta2", &C::beta2, "second-moment decay", in_half_open(0, 1), {"adam", "adamw"})
      .add("eps", &C::eps, "added to the denominator (default: the optimizer's)", positive(),
           {"adam", "adamw", "rmsprop", "adagrad"});
  return t;
}

OptimizerConfig applicable_options(OptimizerConfig config) {
  for (const Option<OptimizerConfig>& o : OptimizerConfig::table().options())
    if (!o.applies(config.name)) o.set(config, o.get(OptimizerConfig{}));
  return config;
}

std::unique_ptr<Optimizer> make_optimizer(const std::vector<ParamGroup>& groups, const OptimizerConfig& c) {
  const std::string& n = c.name;
  if (std::find(std::begin(kNames), std::end(kNames), n) == std::end(kNames))
    throw ConfigError(fmt::format("unknown optimizer '{}'; accepted: {}", n, kOptimizerNames));
  for (const Option<OptimizerConfig>& o : OptimizerConfig::table().options())
    if (!o.applies(n) && given(o, c)) throw ConfigError(fmt::format("optimizer '{}' has no option '{}'", n, o.key));
  if (n == "sgd") {
    if (!c.lr) throw ConfigError("optimizer 'sgd' needs a learning rate (lr)");
    SGDOptions o(*c.lr);
    o.momentum(c.momentum.value_or(0)).nesterov(c.nesterov).weight_decay(c.weight_decay.value_or(0));
    return std::make_unique<SGD>(groups, o);
  }
  if (n == "adam" || n == "adamw") {
    AdamOptions o = n == "adamw" ? AdamWOptions() : AdamOptions();
    if (c.lr) o.lr(*c.lr);
    if (c.weight_decay) o.weight_decay(*c.weight_decay);
    if (c.eps) o.eps(*c.eps);
    o.betas({c.beta1.value_or(o.betas().first), c.beta2.value_or(o.betas().second)});
    if (n == "adamw") return std::make_unique<AdamW>(groups, o);
    return std::make_unique<Adam>(groups, o);
  }
  if (n == "rmsprop") {
    RMSpropOptions o;
    if (c.lr) o.lr(*c.lr);
    if (c.weight_decay) o.weight_decay(*c.weight_decay);
    if (c.eps) o.eps(*c.eps);
    if (c.momentum) o.momentum(*c.momentum);
    return std::make_unique<RMSprop>(groups, o);
  }
  AdagradOptions o;
  if (c.lr) o.lr(*c.lr);
  if (c.weight_decay) o.weight_decay(*c.weight_decay);
  if (c.eps) o.eps(*c.eps);
  return std::make_unique<Adagrad>(groups, o);
}

}  // namespace nnlab::optim
