// Activations, softmax and dropout.
#pragma once

#include "nnlab/tensor.h"

namespace nnlab {

class Generator;

Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, float negative_slope = 0.01f);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor gelu(const Tensor& x);  // the exact form x·Φ(x), PyTorch's default
Tensor identity(const Tensor& x);
Tensor softmax(const Tensor& x, int64_t dim = -1);
Tensor log_softmax(const Tensor& x, int64_t dim = -1);

// Inverted dropout: in training, zeroes each element with probability p and scales the
// rest by 1/(1-p); the identity otherwise.
Tensor dropout(const Tensor& x, float p, bool training, Generator& gen);

// Activation by name: relu, leaky_relu, sigmoid, tanh, gelu, identity (ConfigError otherwise).
Tensor activation(const std::string& name, const Tensor& x);
bool is_activation_name(const std::string& name);

}  // namespace nnlab
