// Parameter-free layers: activations by name, pooling and flatten.
#pragma once

#include "nnlab/nn/module.h"

namespace nnlab::nn {

// relu, leaky_relu, sigmoid, tanh, gelu or identity (ConfigError otherwise); prints as
// PyTorch's class (ReLU, Sigmoid, ...).
class Activation : public Module {
 public:
  explicit Activation(std::string name);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override;
  const std::string name;
};

class MaxPool2d : public Module {
 public:
  MaxPool2d(int64_t kernel, int64_t stride) : kernel(kernel), stride(stride) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "MaxPool2d"; }
  std::string extra_repr() const override;
  const int64_t kernel, stride;
};

// AdaptiveAvgPool2d(1): the mean over H and W.
class GlobalAvgPool2d : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "AdaptiveAvgPool2d"; }
  std::string extra_repr() const override { return "output_size=1"; }
};

class Flatten : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Flatten"; }
  std::string extra_repr() const override { return "start_dim=1, end_dim=-1"; }
};

}  // namespace nnlab::nn
