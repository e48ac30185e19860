#include "experiments/module_loss.h"

#include <fmt/format.h>

#include <optional>

#include "nnlab/autograd.h"
#include "nnlab/error.h"
#include "nnlab/ops/loss.h"

namespace nnlab::experiments {

std::string loss_name(LossKind kind) { return kind == LossKind::CrossEntropy ? "ce" : "mse"; }

ModuleLoss::ModuleLoss(std::shared_ptr<nn::Module> model, Tensor x, std::vector<int32_t> labels, int64_t num_classes,
                       LossKind kind)
    : model_(std::move(model)),
      params_(model_->parameters()),
      x_(std::move(x)),
      labels_(std::move(labels)),
      kind_(kind) {
  if (x_.dim() != 2 || x_.size(0) != static_cast<int64_t>(labels_.size()))
    throw ShapeError(fmt::format("ModuleLoss: inputs {} for {} labels", shape_str(x_.shape()), labels_.size()));
  for (const Tensor& p : params_) size_ += p.numel();
  targets_ = one_hot(labels_, num_classes);
}

std::vector<double> flatten_parameters(const nn::Module& module) {
  std::vector<double> theta;
  for (const Tensor& p : module.parameters())
    for (float v : p.to_vector()) theta.push_back(v);
  return theta;
}

void ModuleLoss::load(std::span<const double> theta) {
  if (static_cast<int64_t>(theta.size()) != size_)
    throw ShapeError(fmt::format("ModuleLoss: {} values for a model of {} parameters", theta.size(), size_));
  size_t k = 0;
  for (const Tensor& p : params_) {
    float* d = p.data();
    for (int64_t i = 0; i < p.numel(); ++i) d[i] = static_cast<float>(theta[k++]);
    p.bump_version();
  }
}

double ModuleLoss::value(std::span<const double> theta, std::span<double> grad) {
  load(theta);
  const bool want_grad = !grad.empty();
  std::optional<NoGradGuard> no_grad;
  if (!want_grad) no_grad.emplace();
  model_->zero_grad();
  Tensor out = (*model_)(x_);
  Tensor loss = kind_ == LossKind::CrossEntropy ? cross_entropy(out, labels_) : mse_loss(out, targets_);
  const double value = loss.item();
  if (!want_grad) return value;
  if (static_cast<int64_t>(grad.size()) != size_)
    throw ShapeError(fmt::format("ModuleLoss: a gradient buffer of {} for {} parameters", grad.size(), size_));
  loss.backward();
  size_t k = 0;
  for (const Tensor& p : params_) {
    Tensor g = p.grad();
    if (!g.defined()) {  // a parameter the loss does not reach
      for (int64_t i = 0; i < p.numel(); ++i) grad[k++] = 0;
      continue;
    }
    for (float v : g.contiguous().to_vector()) grad[k++] = v;
  }
  return value;
}

}  // namespace nnlab::experiments
