#include "nnlab/nn/linear.h"

#include <fmt/format.h>

#include "nnlab/nn/init.h"
#include "nnlab/ops/linear.h"

namespace nnlab::nn {

Linear::Linear(const LinearOptions& o, Generator& gen) : options(o) {
  weight = register_parameter("weight", Tensor::empty({o.out_features, o.in_features}));
  init::kaiming_uniform_default(weight, o.in_features, gen);
  if (o.with_bias) {
    bias = register_parameter("bias", Tensor::empty({o.out_features}));
    init::bias_uniform(bias, o.in_features, gen);
  }
}

Tensor Linear::forward(const Tensor& x) { return linear(x, weight, bias); }

std::string Linear::extra_repr() const {
  return fmt::format("in_features={}, out_features={}, bias={}", options.in_features, options.out_features,
                     options.with_bias ? "True" : "False");
}

}  // namespace nnlab::nn
