// resnet20 trained a few SGD steps on one fixed batch, then evaluated: the run the tests of
// a changed arithmetic (bfloat16, Winograd) repeat under each setting, from the same weights.
#pragma once

#include <cstdint>
#include <vector>

#include "nnlab/autograd.h"
#include "nnlab/generator.h"
#include "nnlab/ops.h"
#include "nnlab/optim/sgd.h"
#include "nnlab/zoo/zoo.h"

namespace nnlab::testing {

struct ShortTraining {
  std::vector<float> losses;  // one per step, before it
  Tensor logits;              // of the batch, in eval mode, after the last step
};

inline ShortTraining train_resnet20_steps(int steps) {
  Generator gen(2);
  Tensor x = Tensor::normal({16, 3, 32, 32}, 0, 1, gen);
  std::vector<int32_t> y(16);
  for (auto& v : y) v = static_cast<int32_t>(gen.below(10));
  ShortTraining out;
  auto model = zoo::build({.name = "resnet20", .input = {3, 32, 32}, .seed = 3});
  optim::SGD opt(model->parameters(), optim::SGDOptions(0.05).momentum(0.9));
  for (int step = 0; step < steps; ++step) {
    opt.zero_grad();
    Tensor loss = cross_entropy((*model)(x), y);
    out.losses.push_back(loss.item());
    loss.backward();
    opt.step();
  }
  model->eval();
  NoGradGuard no_grad;
  out.logits = (*model)(x);
  return out;
}

}  // namespace nnlab::testing
