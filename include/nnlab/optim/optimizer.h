// Optimizer: the base of SGD, Adam, AdamW, RMSprop and Adagrad. It owns parameter groups
// (each with its own hyperparameters), the per-parameter state, and the checkpoint format
// of that state. Semantics follow PyTorch 1.13's torch.optim step for step.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "nnlab/tensor.h"

// Declares an option with a chaining setter and a getter, as LibTorch's TORCH_ARG does, so
// that `SGDOptions(0.1).momentum(0.9).nesterov(true)` reads aloud. A default value may
// follow the macro: `NNLAB_OPTION(double, momentum) = 0;`.
#define NNLAB_OPTION(T, name)   \
 public:                        \
  auto& name(T value) {         \
    name##_ = std::move(value); \
    return *this;               \
  }                             \
  const T& name() const {       \
    return name##_;             \
  }                             \
                                \
 private:                       \
  T name##_

namespace nnlab::optim {

// Parameters that share hyperparameters. Unset overrides take the optimizer's options, as
// the keys missing from a PyTorch param-group dict take the optimizer's defaults.
struct ParamGroup {
  std::vector<Tensor> params;
  std::optional<double> lr = std::nullopt;
  std::optional<double> weight_decay = std::nullopt;
};

// What a checkpoint stores: the state tensors by name ("state.<param index>.<buffer>",
// the index counting parameters across groups in order, as PyTorch's state_dict does) and
// the scalars: optimizer name, every group's hyperparameters, per-parameter step counts.
struct OptimizerState {
  std::map<std::string, Tensor> tensors;
  nlohmann::json meta;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  virtual std::string_view name() const = 0;  // "sgd", "adam", ...

  // One update of every parameter that has a gradient (one without is skipped and its
  // state left alone, as in PyTorch). Writes p.data() in place and bumps its version.
  void step();
  // Drops every gradient (PyTorch's zero_grad(set_to_none=True)).
  void zero_grad();

  size_t num_groups() const { return group_params_.size(); }
  size_t num_params() const { return slots_.size(); }
  const std::vector<Tensor>& params(size_t group) const;

  // The hyperparameters schedules change. momentum is the coefficient a one-cycle schedule
  // cycles (Smith 2018): SGD's and RMSprop's momentum, Adam's beta1; Adagrad has none.
  virtual double lr(size_t group) const = 0;
  virtual void set_lr(size_t group, double lr) = 0;
  virtual bool has_momentum() const { return false; }
  virtual double momentum(size_t group) const;
  virtual void set_momentum(size_t group, double momentum);

  // A deep copy of the state, so that later steps do not change a saved snapshot.
  OptimizerState state_dict() const;
  // Restores state and group hyperparameters saved by an optimizer of the same kind over
  // parameters of the same shapes. Throws ConfigError naming the first mismatch (kind,
  // group or parameter count, unknown or missing tensor, shape); nothing changes then.
  void load_state_dict(const OptimizerState& state);

 protected:
  // One parameter and its state. buffers[i] is the tensor named buffer_names()[i], or
  // undefined until the update that creates it.
  struct Slot {
    Tensor param;
    size_t group = 0;
    int64_t step = 0;
    bool has_state = false;
    std::vector<Tensor> buffers;
  };

  explicit Optimizer(const std::vector<std::vector<Tensor>>& groups);

  virtual std::span<const std::string_view> buffer_names() const = 0;
  // Creates the buffers that exist from a parameter's first update on (they are required
  // when loading state); buffers made later, such as SGD's momentum, stay optional.
  virtual void init_state(Slot& slot) const = 0;
  // Updates slot.param from its contiguous gradient; slot.step is already counted.
  virtual void update(Slot& slot, const float* grad) = 0;
  virtual nlohmann::json group_options(size_t group) const = 0;
  virtual void set_group_options(size_t group, const nlohmann::json& options) = 0;

  std::vector<Slot> slots_;

 private:
  std::vector<std::vector<Tensor>> group_params_;
};

namespace detail {

std::vector<std::vector<Tensor>> group_param_lists(const std::vector<ParamGroup>& groups);

// The per-group hyperparameters of an optimizer whose options type is Options (which has
// lr(), weight_decay(), validate(), to_json() and a static from_json()).
template <class Options>
class OptimizerWithOptions : public Optimizer {
 public:
  const Options& options(size_t group) const { return options_.at(group); }
  void set_options(size_t group, Options options) {
    options.validate();
    options_.at(group) = std::move(options);
  }
  double lr(size_t group) const override { return options(group).lr(); }
  void set_lr(size_t group, double lr) override {
    Options o = options(group);
    o.lr(lr);
    set_options(group, std::move(o));
  }

 protected:
  OptimizerWithOptions(const std::vector<ParamGroup>& groups, const Options& defaults)
      : Optimizer(group_param_lists(groups)) {
    defaults.validate();
    for (const ParamGroup& g : groups) {
      Options o = defaults;
      if (g.lr) o.lr(*g.lr);
      if (g.weight_decay) o.weight_decay(*g.weight_decay);
      o.validate();
      options_.push_back(std::move(o));
    }
  }
  nlohmann::json group_options(size_t group) const override { return options_.at(group).to_json(); }
  void set_group_options(size_t group, const nlohmann::json& j) override {
    set_options(group, Options::from_json(j));
  }

  std::vector<Options> options_;
};

}  // namespace detail
}  // namespace nnlab::optim
