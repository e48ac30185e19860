// Module: the base of every layer and model, as in PyTorch. A module owns parameters
// (tensors that require grad), buffers (state such as running statistics) and named child
// modules; state_dict() lists them all under PyTorch's dotted names ("features.0.weight").
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nnlab/generator.h"
#include "nnlab/state_dict.h"
#include "nnlab/tensor.h"

namespace nnlab::nn {

class Module;
using ModulePtr = std::shared_ptr<Module>;
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module {
 public:
  virtual ~Module() = default;

  virtual Tensor forward(const Tensor& x) = 0;
  // Runs forward, then the forward hooks. Containers call their children through this.
  Tensor operator()(const Tensor& x);
  // PyTorch's class name ("Conv2d") and its settings ("3, 64, kernel_size=3, stride=1"), for printing.
  virtual std::string type_name() const = 0;
  virtual std::string extra_repr() const { return ""; }

  std::vector<Tensor> parameters() const;
  NamedTensors named_parameters() const;
  NamedTensors named_buffers() const;
  std::vector<std::pair<std::string, ModulePtr>> named_modules() const;  // descendants, depth first
  const std::vector<std::pair<std::string, ModulePtr>>& children() const { return children_; }
  // The generators of stochastic layers (dropout), for checkpoints.
  std::vector<std::pair<std::string, Generator*>> named_generators();
  int64_t num_parameters() const;

  // Parameters then buffers of this module, then each child's, in registration order.
  StateDict state_dict() const;
  // Copies values in. Strict: missing, unexpected or mis-shaped keys are an error that lists them.
  void load_state_dict(const StateDict& state, bool strict = true);

  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  void zero_grad();

  std::string repr() const;  // the module tree, as PyTorch prints it

  // Called after each forward with the module, its input and output (like PyTorch's
  // register_forward_hook); used to count FLOPs and to inspect activations.
  using ForwardHook = std::function<void(Module&, const Tensor& input, const Tensor& output)>;
  int add_forward_hook(ForwardHook hook);
  void remove_forward_hook(int id);
  bool has_forward_hooks() const { return !hooks_.empty(); }

 protected:
  Tensor register_parameter(const std::string& name, Tensor value);
  Tensor register_buffer(const std::string& name, Tensor value, bool integer = false);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    children_.emplace_back(name, module);
    return module;
  }
  void register_generator(const std::string& name, Generator* gen) { generators_.emplace_back(name, gen); }
  // The buffer of this name registered on this module (for layers that update their state).
  Tensor& buffer(const std::string& name);

 private:
  void collect_state(const std::string& prefix, StateDict& out) const;
  void repr_into(std::string& out, int indent) const;

  NamedTensors params_;
  StateDict buffers_;
  std::vector<std::pair<std::string, ModulePtr>> children_;
  std::vector<std::pair<std::string, Generator*>> generators_;
  std::vector<std::pair<int, ForwardHook>> hooks_;
  int next_hook_ = 0;
  bool training_ = true;
};

}  // namespace nnlab::nn
