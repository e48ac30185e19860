// nn::Dropout: inverted dropout in training, the identity in eval. Each layer owns its
// seeded generator, so a checkpoint can store and restore the exact random stream.
#pragma once

#include "nnlab/nn/module.h"

namespace nnlab::nn {

class Dropout : public Module {
 public:
  Dropout(float p, uint64_t seed);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Dropout"; }
  std::string extra_repr() const override;

  const float p;

 private:
  Generator gen_;
};

}  // namespace nnlab::nn
