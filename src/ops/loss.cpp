#include "nnlab/ops/loss.h"

#include <fmt/format.h>

#include <cmath>

#include "nnlab/autograd.h"
#include "nnlab/error.h"

namespace nnlab {

using autograd::Node;
using autograd::SavedTensor;

namespace {

void check_targets(const Tensor& scores, std::span<const int32_t> targets, const char* op) {
  if (scores.dim() != 2)
    throw ShapeError(fmt::format("{}: input must be [N, K], got {}", op, shape_str(scores.shape())));
  if (static_cast<int64_t>(targets.size()) != scores.size(0))
    throw ShapeError(fmt::format("{}: {} targets for an input of shape {}", op, targets.size(), shape_str(scores.shape())));
  const int64_t k = scores.size(1);
  for (size_t i = 0; i < targets.size(); ++i)
    if (targets[i] < 0 || targets[i] >= k)
      throw ShapeError(fmt::format("{}: target {} of row {} is out of range for {} classes (expected 0..{})", op,
                                   targets[i], i, k, k - 1));
}

// Scale of each row's gradient: the output gradient, divided by N for the mean.
float row_scale(const float* g, Reduction r, int64_t i, int64_t n) {
  switch (r) {
    case Reduction::Mean: return g[0] / static_cast<float>(n);
    case Reduction::Sum: return g[0];
    case Reduction::None: return g[i];
  }
  return 0;
}

Tensor reduce_rows(const std::vector<double>& per_row, Reduction r) {
  const int64_t n = static_cast<int64_t>(per_row.size());
  if (r == Reduction::None) {
    Tensor out = Tensor::empty({n});
    for (int64_t i = 0; i < n; ++i) out.data()[i] = static_cast<float>(per_row[i]);
    return out;
  }
  double s = 0;
  for (double v : per_row) s += v;
  if (r == Reduction::Mean) s = n > 0 ? s / n : NAN;
  return Tensor::scalar(static_cast<float>(s));
}

class CrossEntropyBackward : public Node {
 public:
  CrossEntropyBackward(Tensor probs, std::vector<int32_t> targets, Reduction r, float smoothing)
      : probs_(std::move(probs)), targets_(std::move(targets)), r_(r), eps_(smoothing) {}
  std::string name() const override { return "CrossEntropyBackward"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor gc = grad.contiguous();
    const int64_t n = probs_.size(0), k = probs_.size(1);
    Tensor gx = Tensor::empty({n, k});
    const float* p = probs_.data();
    float* o = gx.data();
    const float off = eps_ / static_cast<float>(k), on = 1.0f - eps_ + off;
    for (int64_t i = 0; i < n; ++i) {
      const float s = row_scale(gc.data(), r_, i, n);
      for (int64_t j = 0; j < k; ++j) o[i * k + j] = s * (p[i * k + j] - (j == targets_[i] ? on : off));
    }
    return {gx};
  }

 private:
  Tensor probs_;  // softmax of the logits, owned by this node
  std::vector<int32_t> targets_;
  Reduction r_;
  float eps_;
};

class NllBackward : public Node {
 public:
  NllBackward(Shape shape, std::vector<int32_t> targets, Reduction r)
      : shape_(std::move(shape)), targets_(std::move(targets)), r_(r) {}
  std::string name() const override { return "NllLossBackward"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor gc = grad.contiguous();
    Tensor gx = Tensor::zeros(shape_);
    const int64_t n = shape_[0], k = shape_[1];
    for (int64_t i = 0; i < n; ++i) gx.data()[i * k + targets_[i]] = -row_scale(gc.data(), r_, i, n);
    return {gx};
  }

 private:
  Shape shape_;
  std::vector<int32_t> targets_;
  Reduction r_;
};

// Backward of losses that are elementwise in (input, target) then reduced: the saved
// per-element derivatives d/dinput and d/dtarget, scaled by the output gradient.
class PointwiseLossBackward : public Node {
 public:
  PointwiseLossBackward(std::string name, Tensor d_input, Tensor d_target, Reduction r)
      : name_(std::move(name)), d_input_(std::move(d_input)), d_target_(std::move(d_target)), r_(r) {}
  std::string name() const override { return name_; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor gc = grad.contiguous();
    const int64_t n = d_input_.numel();
    auto scaled = [&](const Tensor& d) {
      Tensor out = Tensor::empty(d.shape());
      for (int64_t i = 0; i < n; ++i) out.data()[i] = d.data()[i] * row_scale(gc.data(), r_, i, n);
      return out;
    };
    return {needs_grad(0) ? scaled(d_input_) : Tensor(), needs_grad(1) ? scaled(d_target_) : Tensor()};
  }

 private:
  std::string name_;
  Tensor d_input_, d_target_;
  Reduction r_;
};

Tensor reduce_elements(const Tensor& values, Reduction r) {
  if (r == Reduction::None) return values;
  double s = 0;
  for (int64_t i = 0; i < values.numel(); ++i) s += values.data()[i];
  if (r == Reduction::Mean) s = values.numel() > 0 ? s / values.numel() : NAN;
  return Tensor::scalar(static_cast<float>(s));
}

void check_same_shape(const Tensor& a, const Tensor& b, const char* op) {
  if (a.shape() != b.shape())
    throw ShapeError(fmt::format("{}: input of shape {} and target of shape {} differ; they must have the same shape",
                                 op, shape_str(a.shape()), shape_str(b.shape())));
}

// A loss that is a sum or mean of f(input[i], target[i]) over elements of equal shapes: `f`
// gives the value and both partial derivatives, kept for the backward pass.
template <class F>
Tensor pointwise_loss(const char* op, const char* node, const Tensor& input, const Tensor& target, Reduction reduction,
                      F f) {
  check_same_shape(input, target, op);
  Tensor a = input.contiguous(), b = target.contiguous();
  const int64_t n = a.numel();
  Tensor values = Tensor::empty(a.shape()), da = Tensor::empty(a.shape()), db = Tensor::empty(a.shape());
  for (int64_t i = 0; i < n; ++i) f(a.data()[i], b.data()[i], values.data()[i], da.data()[i], db.data()[i]);
  Tensor out = reduce_elements(values, reduction);
  autograd::maybe_record(out, {&input, &target},
                         [&] { return std::make_shared<PointwiseLossBackward>(node, da, db, reduction); });
  return out;
}

}  // namespace

Tensor cross_entropy(const Tensor& logits, std::span<const int32_t> targets, Reduction reduction,
                     float label_smoothing) {
  check_targets(logits, targets, "cross_entropy");
  if (!(label_smoothing >= 0.0f && label_smoothing <= 1.0f))
    throw ConfigError(fmt::format("label smoothing {} is out of range [0, 1]", label_smoothing));
  Tensor x = logits.contiguous();
  const int64_t n = x.size(0), k = x.size(1);
  Tensor probs = Tensor::empty({n, k});
  std::vector<double> loss(n);
  const float off = label_smoothing / static_cast<float>(k);
  for (int64_t i = 0; i < n; ++i) {
    const float* row = x.data() + i * k;
    float m = -INFINITY;
    for (int64_t j = 0; j < k; ++j) m = std::max(m, row[j]);
    double s = 0;
    for (int64_t j = 0; j < k; ++j) s += std::exp(static_cast<double>(row[j] - m));
    const double lse = m + std::log(s);
    double smooth = 0;
    for (int64_t j = 0; j < k; ++j) {
      probs.data()[i * k + j] = static_cast<float>(std::exp(row[j] - lse));
      smooth += lse - row[j];
    }
    loss[i] = (1.0 - label_smoothing) * (lse - row[targets[i]]) + off * smooth;
  }
  Tensor out = reduce_rows(loss, reduction);
  autograd::maybe_record(out, {&logits}, [&] {
    return std::make_shared<CrossEntropyBackward>(probs, std::vector<int32_t>(targets.begin(), targets.end()),
                                                  reduction, label_smoothing);
  });
  return out;
}

Tensor nll_loss(const Tensor& log_probs, std::span<const int32_t> targets, Reduction reduction) {
  check_targets(log_probs, targets, "nll_loss");
  Tensor x = log_probs.contiguous();
  const int64_t n = x.size(0), k = x.size(1);
  std::vector<double> loss(n);
  for (int64_t i = 0; i < n; ++i) loss[i] = -x.data()[i * k + targets[i]];
  Tensor out = reduce_rows(loss, reduction);
  autograd::maybe_record(out, {&log_probs}, [&] {
    return std::make_shared<NllBackward>(x.shape(), std::vector<int32_t>(targets.begin(), targets.end()), reduction);
  });
  return out;
}

Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& targets, Reduction reduction) {
  return pointwise_loss("binary_cross_entropy_with_logits", "BinaryCrossEntropyWithLogitsBackward", logits, targets,
                        reduction,
                        [](float v, float y, float& value, float& dv, float& dy) {
                          // max(v, 0) − v·y + log(1 + e^{−|v|}) never overflows.
                          value = std::max(v, 0.0f) - v * y + std::log1p(std::exp(-std::abs(v)));
                          dv = 1.0f / (1.0f + std::exp(-v)) - y;
                          dy = -v;
                        });
}

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  return pointwise_loss("mse_loss", "MseLossBackward", input, target, reduction,
                        [](float a, float b, float& value, float& da, float& db) {
                          const float d = a - b;
                          value = d * d;
                          da = 2.0f * d;
                          db = -2.0f * d;
                        });
}

Tensor one_hot(std::span<const int32_t> targets, int64_t num_classes) {
  const int64_t n = static_cast<int64_t>(targets.size());
  Tensor out = Tensor::zeros({n, num_classes});
  for (int64_t i = 0; i < n; ++i) {
    if (targets[i] < 0 || targets[i] >= num_classes)
      throw ShapeError(fmt::format("one_hot: target {} of row {} is out of range for {} classes", targets[i], i,
                                   num_classes));
    out.data()[i * num_classes + targets[i]] = 1.0f;
  }
  return out;
}

}  // namespace nnlab
