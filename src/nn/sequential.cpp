#include "nnlab/nn/sequential.h"

#include "nnlab/error.h"
#include "nnlab/nn/activation.h"
#include "nnlab/nn/batchnorm.h"

namespace nnlab::nn {

Sequential::Sequential(std::vector<ModulePtr> modules) {
  for (auto& m : modules) push_back(std::move(m));
}

void Sequential::push_back(ModulePtr module) { register_module(std::to_string(size()), std::move(module)); }

namespace {

// BatchNorm followed by ReLU runs as one fused op (one pass over the activations instead of
// two, and no intermediate tensor), unless a hook wants to see either module's output.
BatchNorm* fusable_bn_relu(const ModulePtr& m, const ModulePtr& next) {
  auto* bn = dynamic_cast<BatchNorm*>(m.get());
  if (!bn || m->has_forward_hooks() || next->has_forward_hooks()) return nullptr;
  auto* act = dynamic_cast<Activation*>(next.get());
  return act && act->name == "relu" ? bn : nullptr;
}

}  // namespace

Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  const auto& layers = children();
  for (size_t i = 0; i < layers.size(); ++i) {
    if (i + 1 < layers.size())
      if (BatchNorm* bn = fusable_bn_relu(layers[i].second, layers[i + 1].second)) {
        h = bn->forward_relu(h);
        ++i;
        continue;
      }
    h = (*layers[i].second)(h);
  }
  return h;
}

}  // namespace nnlab::nn
