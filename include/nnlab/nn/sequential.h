// nn::Sequential runs its children in order; they are named "0", "1", ... as in PyTorch.
#pragma once

#include "nnlab/nn/module.h"

namespace nnlab::nn {

class Sequential : public Module {
 public:
  Sequential() = default;
  explicit Sequential(std::vector<ModulePtr> modules);
  void push_back(ModulePtr module);
  Tensor forward(const Tensor& x) override;
  // The first `count` children only (forward hooks of this Sequential are not called): a
  // block that runs its last layers itself, fused (the zoo's ResNet block).
  Tensor forward_first(const Tensor& x, size_t count);
  std::string type_name() const override { return "Sequential"; }
  size_t size() const { return children().size(); }
  ModulePtr operator[](size_t i) const { return children().at(i).second; }
};

}  // namespace nnlab::nn
