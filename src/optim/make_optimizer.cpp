#include "nnlab/optim/make_optimizer.h"

#include <fmt/format.h>

#include "nnlab/error.h"
#include "nnlab/optim/adagrad.h"
#include "nnlab/optim/adam.h"
#include "nnlab/optim/rmsprop.h"
#include "nnlab/optim/sgd.h"

namespace nnlab::optim {

namespace {

// Rejects a value given for an option the chosen optimizer does not have.
void reject(bool given, const std::string& optimizer, const char* option) {
  if (given) throw ConfigError(fmt::format("optimizer '{}' has no option '{}'", optimizer, option));
}

}  // namespace

std::unique_ptr<Optimizer> make_optimizer(const std::vector<ParamGroup>& groups, const OptimizerConfig& c) {
  const std::string& n = c.name;
  if (n == "sgd") {
    reject(c.beta1 || c.beta2, n, "beta1/beta2");
    reject(c.eps.has_value(), n, "eps");
    if (!c.lr) throw ConfigError("optimizer 'sgd' needs a learning rate (lr)");
    SGDOptions o(*c.lr);
    o.momentum(c.momentum.value_or(0)).nesterov(c.nesterov).weight_decay(c.weight_decay.value_or(0));
    return std::make_unique<SGD>(groups, o);
  }
  reject(c.nesterov, n, "nesterov");
  if (n == "adam" || n == "adamw") {
    reject(c.momentum.has_value(), n, "momentum");
    AdamOptions o = n == "adamw" ? AdamWOptions() : AdamOptions();
    if (c.lr) o.lr(*c.lr);
    if (c.weight_decay) o.weight_decay(*c.weight_decay);
    if (c.eps) o.eps(*c.eps);
    o.betas({c.beta1.value_or(o.betas().first), c.beta2.value_or(o.betas().second)});
    if (n == "adamw") return std::make_unique<AdamW>(groups, o);
    return std::make_unique<Adam>(groups, o);
  }
  reject(c.beta1 || c.beta2, n, "beta1/beta2");
  if (n == "rmsprop") {
    RMSpropOptions o;
    if (c.lr) o.lr(*c.lr);
    if (c.weight_decay) o.weight_decay(*c.weight_decay);
    if (c.eps) o.eps(*c.eps);
    if (c.momentum) o.momentum(*c.momentum);
    return std::make_unique<RMSprop>(groups, o);
  }
  if (n == "adagrad") {
    reject(c.momentum.has_value(), n, "momentum");
    AdagradOptions o;
    if (c.lr) o.lr(*c.lr);
    if (c.weight_decay) o.weight_decay(*c.weight_decay);
    if (c.eps) o.eps(*c.eps);
    return std::make_unique<Adagrad>(groups, o);
  }
  throw ConfigError(fmt::format("unknown optimizer '{}'; accepted: {}", n, kOptimizerNames));
}

}  // namespace nnlab::optim
