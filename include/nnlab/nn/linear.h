// nn::Linear: y = x Wᵀ + b.
#pragma once

#include "nnlab/nn/module.h"

namespace nnlab::nn {

struct LinearOptions {
  LinearOptions(int64_t in, int64_t out) : in_features(in), out_features(out) {}
  LinearOptions& bias(bool on) { with_bias = on; return *this; }
  int64_t in_features, out_features;
  bool with_bias = true;
};

class Linear : public Module {
 public:
  Linear(const LinearOptions& options, Generator& gen);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Linear"; }
  std::string extra_repr() const override;

  const LinearOptions options;
  Tensor weight, bias;
};

}  // namespace nnlab::nn
