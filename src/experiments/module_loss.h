// A model's classification loss on a fixed set of examples as a function of its flat
// parameter vector (the parameters in Module::parameters() order), for the Hessian probes.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "nnlab/experiments/hessian.h"
#include "nnlab/nn/module.h"
#include "nnlab/tensor.h"

namespace nnlab::experiments {

enum class LossKind {
  CrossEntropy,  // softmax cross-entropy of the outputs (logits)
  MeanSquared,   // mean squared error of the outputs against one-hot targets, over N·K values
};

std::string loss_name(LossKind kind);  // "ce", "mse"

// A module's parameters as one vector, in Module::parameters() order.
std::vector<double> flatten_parameters(const nn::Module& module);

class ModuleLoss : public LossFunction {
 public:
  // x: [N, F] inputs; labels: N classes in [0, K) for a model with K outputs.
  ModuleLoss(std::shared_ptr<nn::Module> model, Tensor x, std::vector<int32_t> labels, int64_t num_classes,
             LossKind kind);
  int64_t size() const override { return size_; }
  double value(std::span<const double> theta, std::span<double> grad) override;

  std::vector<double> parameters() const { return flatten_parameters(*model_); }
  nn::Module& model() { return *model_; }

 private:
  void load(std::span<const double> theta);

  std::shared_ptr<nn::Module> model_;
  std::vector<Tensor> params_;
  Tensor x_, targets_;
  std::vector<int32_t> labels_;
  LossKind kind_;
  int64_t size_ = 0;
};

}  // namespace nnlab::experiments
