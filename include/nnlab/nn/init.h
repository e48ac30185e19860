// PyTorch's default initialisation of layer weights.
#pragma once

#include "nnlab/generator.h"
#include "nnlab/tensor.h"

namespace nnlab::nn::init {

// Kaiming-uniform with a = √5 (He et al. 2015, as nn.Linear/nn.Conv2d reset_parameters do):
// bound = gain·√(3/fan_in) with gain = √(2/(1+a²)), which is 1/√fan_in.
void kaiming_uniform_default(const Tensor& weight, int64_t fan_in, Generator& gen);
// uniform(±1/√fan_in), PyTorch's bias initialisation.
void bias_uniform(const Tensor& bias, int64_t fan_in, Generator& gen);
void uniform(const Tensor& t, float low, float high, Generator& gen);
void normal(const Tensor& t, float mean, float stddev, Generator& gen);
void constant(const Tensor& t, float value);

}  // namespace nnlab::nn::init
