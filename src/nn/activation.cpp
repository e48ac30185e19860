#include "nnlab/nn/activation.h"

#include <fmt/format.h>

#include "nnlab/error.h"
#include "nnlab/ops/activation.h"
#include "nnlab/ops/pool.h"
#include "nnlab/ops/shape.h"

namespace nnlab::nn {

Activation::Activation(std::string n) : name(std::move(n)) {
  if (!is_activation_name(name))
    throw ConfigError("unknown activation '" + name + "': accepted are relu, leaky_relu, sigmoid, tanh, gelu, identity");
}

Tensor Activation::forward(const Tensor& x) { return activation(name, x); }

std::string Activation::type_name() const {
  if (name == "relu") return "ReLU";
  if (name == "leaky_relu") return "LeakyReLU";
  if (name == "sigmoid") return "Sigmoid";
  if (name == "tanh") return "Tanh";
  if (name == "gelu") return "GELU";
  return "Identity";
}

Tensor MaxPool2d::forward(const Tensor& x) { return max_pool2d(x, {kernel, stride, 0}); }

std::string MaxPool2d::extra_repr() const { return fmt::format("kernel_size={}, stride={}", kernel, stride); }

Tensor GlobalAvgPool2d::forward(const Tensor& x) { return global_avg_pool2d(x); }

Tensor Flatten::forward(const Tensor& x) { return flatten(x, 1); }

}  // namespace nnlab::nn
