#include "nnlab/nn/sequential.h"

#include <algorithm>

#include "nnlab/error.h"
#include "nnlab/nn/activation.h"
#include "nnlab/nn/batchnorm.h"
#include "nnlab/nn/conv2d.h"

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

// In inference (autograd records nothing, batch norm uses its running statistics) a
// convolution absorbs the batch norm after it and the ReLU after that (Conv2d::
// forward_inference): one pass over the activations instead of three; a max pool after
// them too, where its kernel is its stride (the convolution pools while it writes where it
// can, conv_few_channels.h). Returns how many
// layers from `i` it covers, 0 where the run does not apply.
size_t fused_inference(const std::vector<std::pair<std::string, ModulePtr>>& layers, size_t i, size_t end,
                       Tensor& h) {
  auto* conv = dynamic_cast<Conv2d*>(layers[i].second.get());
  if (!conv || !conv->inference_fusable(h)) return 0;
  size_t next = i + 1;
  BatchNorm* bn = nullptr;
  if (next < end) {
    auto* b = dynamic_cast<BatchNorm*>(layers[next].second.get());
    if (b && Conv2d::inference_foldable(*b)) {
      bn = b;
      ++next;
    }
  }
  bool relu = false;
  if (next < end) {
    auto* act = dynamic_cast<Activation*>(layers[next].second.get());
    if (act && act->name == "relu" && !act->has_forward_hooks()) {
      relu = true;
      ++next;
    }
  }
  int64_t pool = 0;
  if (next < end) {
    auto* mp = dynamic_cast<MaxPool2d*>(layers[next].second.get());
    if (mp && mp->kernel == mp->stride && !mp->has_forward_hooks()) {
      pool = mp->kernel;
      ++next;
    }
  }
  if (!bn && !relu && !pool) return 0;
  h = conv->forward_inference(h, bn, relu, {}, false, pool);
  return next - i;
}

}  // namespace

Tensor Sequential::forward(const Tensor& x) { return forward_first(x, size()); }

Tensor Sequential::forward_first(const Tensor& x, size_t count) {
  Tensor h = x;
  const auto& layers = children();
  const size_t end = std::min(count, layers.size());
  for (size_t i = 0; i < end; ++i) {
    if (const size_t covered = fused_inference(layers, i, end, h)) {
      i += covered - 1;
      continue;
    }
    if (i + 1 < end)
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
