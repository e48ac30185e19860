#include "export/lowering.h"

#include <fmt/format.h>

#include <cmath>

#include "nnlab/error.h"
#include "nnlab/nn/activation.h"
#include "nnlab/nn/batchnorm.h"
#include "nnlab/nn/conv2d.h"
#include "nnlab/nn/dropout.h"
#include "nnlab/nn/linear.h"
#include "nnlab/nn/sequential.h"

namespace nnlab::onnx_export {

namespace {

using Node = ::onnx::NodeProto;

std::string key(const std::string& scope, const std::string& name) { return scope.empty() ? name : scope + "." + name; }

// The eval-mode batch norm y = x·scale + shift per channel, in double so that folding adds
// no rounding beyond the final float32 store: scale = γ/√(var+ε), shift = β − mean·scale.
struct Affine {
  std::vector<double> scale, shift;
};

Affine batch_norm_affine(const nn::BatchNorm& bn) {
  const int64_t c = bn.options.num_features;
  const std::vector<float> mean = bn.running_mean.to_vector(), var = bn.running_var.to_vector();
  const std::vector<float> gamma = bn.weight.defined() ? bn.weight.to_vector() : std::vector<float>(c, 1.0f);
  const std::vector<float> beta = bn.bias.defined() ? bn.bias.to_vector() : std::vector<float>(c, 0.0f);
  Affine a{std::vector<double>(c), std::vector<double>(c)};
  for (int64_t i = 0; i < c; ++i) {
    a.scale[i] = gamma[i] / std::sqrt(static_cast<double>(var[i]) + bn.options.eps_);
    a.shift[i] = beta[i] - mean[i] * a.scale[i];
  }
  return a;
}

// Conv2d, with the batch norm that follows it folded into its weights and bias when given
// (what PyTorch's exporter does in eval mode).
std::string lower_conv(const nn::Conv2d& conv, const std::string& scope, const std::string& x, GraphBuilder& g,
                       const nn::BatchNorm* bn) {
  const nn::Conv2dOptions& o = conv.options;
  std::vector<float> w = conv.weight.to_vector();
  std::vector<float> b = conv.bias.defined() ? conv.bias.to_vector() : std::vector<float>();
  if (bn) {
    const Affine a = batch_norm_affine(*bn);
    const size_t per_out = w.size() / static_cast<size_t>(o.out_channels);
    if (b.empty()) b.assign(o.out_channels, 0.0f);
    for (int64_t k = 0; k < o.out_channels; ++k) {
      for (size_t j = 0; j < per_out; ++j) w[k * per_out + j] = static_cast<float>(w[k * per_out + j] * a.scale[k]);
      b[k] = static_cast<float>(b[k] * a.scale[k] + a.shift[k]);
    }
  }
  std::vector<std::string> inputs{x, g.initializer(key(scope, "weight"), conv.weight.shape(), w)};
  if (!b.empty()) inputs.push_back(g.initializer(key(scope, "bias"), {o.out_channels}, b));
  Node& n = g.node("Conv", scope, inputs);
  GraphBuilder::set_attribute(n, "kernel_shape", std::vector<int64_t>{o.kernel_size, o.kernel_size});
  GraphBuilder::set_attribute(n, "strides", std::vector<int64_t>{o.stride_, o.stride_});
  GraphBuilder::set_attribute(n, "pads", std::vector<int64_t>{o.padding_, o.padding_, o.padding_, o.padding_});
  GraphBuilder::set_attribute(n, "dilations", std::vector<int64_t>{o.dilation_, o.dilation_});
  GraphBuilder::set_attribute(n, "group", int64_t{1});
  return GraphBuilder::output(n);
}

std::string lower_linear(const nn::Linear& fc, const std::string& scope, const std::string& x, GraphBuilder& g) {
  std::vector<std::string> inputs{x, g.initializer(key(scope, "weight"), fc.weight)};
  if (fc.bias.defined()) inputs.push_back(g.initializer(key(scope, "bias"), fc.bias));
  Node& n = g.node("Gemm", scope, inputs);  // y = x·Wᵀ + b
  GraphBuilder::set_attribute(n, "alpha", 1.0f);
  GraphBuilder::set_attribute(n, "beta", 1.0f);
  GraphBuilder::set_attribute(n, "transB", int64_t{1});
  return GraphBuilder::output(n);
}

std::string lower_batch_norm(const nn::BatchNorm& bn, const std::string& scope, const std::string& x,
                             GraphBuilder& g) {
  const int64_t c = bn.options.num_features;
  const std::string gamma = bn.weight.defined() ? g.initializer(key(scope, "weight"), bn.weight)
                                                : g.initializer(key(scope, "weight"), Tensor::ones({c}));
  const std::string beta = bn.bias.defined() ? g.initializer(key(scope, "bias"), bn.bias)
                                             : g.initializer(key(scope, "bias"), Tensor::zeros({c}));
  Node& n = g.node("BatchNormalization", scope,
                   {x, gamma, beta, g.initializer(key(scope, "running_mean"), bn.running_mean),
                    g.initializer(key(scope, "running_var"), bn.running_var)});
  GraphBuilder::set_attribute(n, "epsilon", bn.options.eps_);
  GraphBuilder::set_attribute(n, "momentum", 1.0f - bn.options.momentum_);  // ONNX's momentum weighs the old value
  return GraphBuilder::output(n);
}

std::string lower_activation(const nn::Activation& act, const std::string& scope, const std::string& x,
                             GraphBuilder& g) {
  const std::string& a = act.name;
  if (a == "identity") return x;
  if (a == "relu") return GraphBuilder::output(g.node("Relu", scope, {x}));
  if (a == "sigmoid") return GraphBuilder::output(g.node("Sigmoid", scope, {x}));
  if (a == "tanh") return GraphBuilder::output(g.node("Tanh", scope, {x}));
  if (a == "leaky_relu") {
    Node& n = g.node("LeakyRelu", scope, {x});
    GraphBuilder::set_attribute(n, "alpha", 0.01f);  // nn::Activation's slope, PyTorch's default
    return GraphBuilder::output(n);
  }
  if (a == "gelu") {
    // The exact GELU x·Φ(x) = x · ½(1 + erf(x/√2)); ONNX has a Gelu op only from opset 20, so
    // this is PyTorch's decomposition for the opsets written here.
    const std::string div = GraphBuilder::output(g.node("Div", scope, {x, g.scalar(key(scope, "sqrt2"), std::sqrt(2.0f))}));
    const std::string erf = GraphBuilder::output(g.node("Erf", scope, {div}));
    const std::string add = GraphBuilder::output(g.node("Add", scope, {erf, g.scalar(key(scope, "one"), 1.0f)}));
    const std::string mul = GraphBuilder::output(g.node("Mul", scope, {x, add}));
    return GraphBuilder::output(g.node("Mul", scope, {mul, g.scalar(key(scope, "half"), 0.5f)}));
  }
  throw Error(fmt::format("ONNX export: activation '{}' of module '{}' has no ONNX form", a, scope));
}

std::string lower_sequential(const nn::Module& seq, const std::string& scope, const std::string& x, GraphBuilder& g,
                             const LoweringOptions& options) {
  std::string h = x;
  const auto& layers = seq.children();
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string child = key(scope, layers[i].first);
    if (auto* conv = dynamic_cast<const nn::Conv2d*>(layers[i].second.get()); conv && options.fold_batch_norm) {
      if (i + 1 < layers.size())
        if (auto* bn = dynamic_cast<const nn::BatchNorm*>(layers[i + 1].second.get())) {
          h = lower_conv(*conv, child, h, g, bn);
          ++i;
          continue;
        }
    }
    h = lower(*layers[i].second, child, h, g, options);
  }
  return h;
}

const nn::Module& child_named(const nn::Module& m, const std::string& scope, const std::string& name) {
  for (const auto& [n, c] : m.children())
    if (n == name) return *c;
  throw Error(fmt::format("ONNX export: {} '{}' has no child '{}'", m.type_name(), scope, name));
}

}  // namespace

std::string lower(const nn::Module& m, const std::string& scope, const std::string& x, GraphBuilder& g,
                  const LoweringOptions& options) {
  if (auto* conv = dynamic_cast<const nn::Conv2d*>(&m)) return lower_conv(*conv, scope, x, g, nullptr);
  if (auto* fc = dynamic_cast<const nn::Linear*>(&m)) return lower_linear(*fc, scope, x, g);
  if (auto* bn = dynamic_cast<const nn::BatchNorm*>(&m)) return lower_batch_norm(*bn, scope, x, g);
  if (auto* act = dynamic_cast<const nn::Activation*>(&m)) return lower_activation(*act, scope, x, g);
  if (dynamic_cast<const nn::Dropout*>(&m)) return x;  // the identity in eval mode
  if (auto* pool = dynamic_cast<const nn::MaxPool2d*>(&m)) {
    Node& n = g.node("MaxPool", scope, {x});
    GraphBuilder::set_attribute(n, "kernel_shape", std::vector<int64_t>{pool->kernel, pool->kernel});
    GraphBuilder::set_attribute(n, "strides", std::vector<int64_t>{pool->stride, pool->stride});
    GraphBuilder::set_attribute(n, "pads", std::vector<int64_t>{0, 0, 0, 0});
    return GraphBuilder::output(n);
  }
  if (dynamic_cast<const nn::GlobalAvgPool2d*>(&m)) return GraphBuilder::output(g.node("GlobalAveragePool", scope, {x}));
  if (dynamic_cast<const nn::Flatten*>(&m)) {
    Node& n = g.node("Flatten", scope, {x});
    GraphBuilder::set_attribute(n, "axis", int64_t{1});
    return GraphBuilder::output(n);
  }
  if (dynamic_cast<const nn::Sequential*>(&m)) return lower_sequential(m, scope, x, g, options);
  // The zoo's residual unit (src/nn/zoo/resnet.cpp): relu(body(x) + shortcut(x)).
  if (m.type_name() == "BasicBlock") {
    const std::string body = lower(child_named(m, scope, "body"), key(scope, "body"), x, g, options);
    const std::string shortcut = lower(child_named(m, scope, "shortcut"), key(scope, "shortcut"), x, g, options);
    const std::string sum = GraphBuilder::output(g.node("Add", scope, {body, shortcut}));
    return GraphBuilder::output(g.node("Relu", scope, {sum}));
  }
  throw Error(fmt::format("ONNX export: module '{}' ({}) has no ONNX form; the exporter knows the zoo's layers",
                          scope.empty() ? "model" : scope, m.type_name()));
}

}  // namespace nnlab::onnx_export
