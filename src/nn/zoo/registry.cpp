#include <fmt/format.h>

#include "nn/zoo/builders.h"
#include "nnlab/autograd.h"
#include "nnlab/error.h"
#include "nnlab/nn/conv2d.h"
#include "nnlab/nn/linear.h"

namespace nnlab::zoo {

const std::vector<ModelInfo>& models() {
  static const std::vector<ModelInfo> all{
      {"logreg", "logistic regression: flatten, fc(K)", false},
      {"mlp", "multilayer perceptron: fc(h), activation [, bn] [, dropout] per hidden width, fc(K)", false},
      {"lenet5", "LeNet-5: two conv-relu-maxpool stages, fc 120-84-K", false},
      {"alexnet", "AlexNet for 32x32: five convs, three max pools, dropout fc 4096-4096-K", true},
      {"vgg11", "VGG-11 with batch norm, one fc layer", true},
      {"vgg16", "VGG-16 with batch norm, one fc layer", true},
      {"resnet20", "ResNet-20: 3 stages x 3 basic blocks, widths 16-32-64", true},
      {"resnet18", "ResNet-18: 4 stages x 2 basic blocks, widths 64-512", true},
  };
  return all;
}

const ModelInfo& model_info(const std::string& name) {
  std::vector<std::string> names;
  for (const ModelInfo& m : models()) {
    if (m.name == name) return m;
    names.push_back(m.name);
  }
  throw ConfigError(fmt::format("unknown model '{}': accepted are {}", name, fmt::join(names, ", ")));
}

Shape model_input_shape(const std::string& name, const Shape& image) {
  if (model_info(name).only_32x32 && image.size() == 3 && image[1] == 28 && image[2] == 28)
    return {image[0], 32, 32};
  return image;
}

Tensor ZooModel::forward(const Tensor& x) {
  Shape want{-1};
  want.insert(want.end(), input_.begin(), input_.end());
  bool ok = x.dim() == static_cast<int64_t>(input_.size()) + 1;
  for (size_t i = 0; ok && i < input_.size(); ++i) ok = x.size(static_cast<int64_t>(i) + 1) == input_[i];
  if (!ok)
    throw ShapeError(fmt::format("{} was built for input [N, {}] but got a batch of shape {}", name_,
                                 fmt::join(input_, ", "), shape_str(x.shape())));
  return Sequential::forward(x);
}

std::shared_ptr<nn::Module> build(const ModelOptions& o) {
  const ModelInfo& info = model_info(o.name);
  if (o.classes < 1) throw ConfigError(fmt::format("{}: the number of classes must be positive, got {}", o.name, o.classes));
  if (o.binary && o.name != "logreg")
    throw ConfigError(fmt::format("`binary` (one sigmoid logit) applies to logreg only, not {}", o.name));
  const bool image = o.input.size() == 3;
  if (o.name != "logreg" && o.name != "mlp") {
    if (!image)
      throw ShapeError(fmt::format("{} takes images [C, H, W], got input shape {}", o.name, shape_str(o.input)));
    const bool is28 = o.input[1] == 28 && o.input[2] == 28, is32 = o.input[1] == 32 && o.input[2] == 32;
    if (info.only_32x32 && !is32)
      throw ShapeError(fmt::format("{} takes 32x32 input, got {}x{}; pad 28x28 images to 32x32 (the data pipeline "
                                   "does this automatically for this model)",
                                   o.name, o.input[1], o.input[2]));
    if (!info.only_32x32 && !is28 && !is32)
      throw ShapeError(fmt::format("{} takes 28x28 or 32x32 input, got {}x{}; resize the images (`image_size`)",
                                   o.name, o.input[1], o.input[2]));
  }
  for (int64_t d : o.input)
    if (d <= 0) throw ShapeError(fmt::format("input shape {} has a non-positive dimension", shape_str(o.input)));
  Generator gen(o.seed);
  if (o.name == "logreg") return build_logreg(o, gen);
  if (o.name == "mlp") return build_mlp(o, gen);
  if (o.name == "lenet5") return build_lenet5(o, gen);
  if (o.name == "alexnet") return build_alexnet(o, gen);
  if (o.name == "vgg11" || o.name == "vgg16") return build_vgg(o, gen);
  return build_resnet(o, gen);
}

int64_t forward_flops(nn::Module& model, const Shape& input) {
  int64_t total = 0;
  std::vector<std::pair<nn::Module*, int>> hooks;
  for (auto& [name, m] : model.named_modules()) {
    if (auto* conv = dynamic_cast<nn::Conv2d*>(m.get())) {
      hooks.emplace_back(m.get(), m->add_forward_hook([&total, conv](nn::Module&, const Tensor& in, const Tensor&) {
        total += conv->flops(in.size(2), in.size(3));
      }));
    } else if (auto* fc = dynamic_cast<nn::Linear*>(m.get())) {
      hooks.emplace_back(m.get(), m->add_forward_hook([&total, fc](nn::Module&, const Tensor&, const Tensor&) {
        total += 2 * fc->options.in_features * fc->options.out_features;
      }));
    }
  }
  const bool was_training = model.is_training();
  model.eval();
  {
    NoGradGuard no_grad;
    Shape batch{1};
    batch.insert(batch.end(), input.begin(), input.end());
    model(Tensor::zeros(batch));
  }
  model.train(was_training);
  for (auto& [m, id] : hooks) m->remove_forward_hook(id);
  return total;
}

}  // namespace nnlab::zoo
