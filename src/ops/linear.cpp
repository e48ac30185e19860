#include "nnlab/ops/linear.h"

#include <fmt/format.h>

#include <algorithm>

#include "backend/cpu/gemm.h"
#include "nnlab/autograd.h"
#include "nnlab/error.h"
#include "tensor/tensor_impl.h"

namespace nnlab {

using autograd::Node;
using autograd::SavedTensor;

namespace {

class MatmulBackward : public Node {
 public:
  MatmulBackward(const Tensor& a, const Tensor& b) : a_(a), b_(b) {}
  std::string name() const override { return "MatmulBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    Tensor gc = g.contiguous();
    Tensor a = a_.get(), b = b_.get();
    const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
    Tensor ga, gb;
    if (needs_grad(0)) {
      ga = Tensor::empty({m, k});
      cpu::gemm(false, true, m, k, n, 1.0f, gc.data(), n, b.data(), n, 0.0f, ga.data(), k);
    }
    if (needs_grad(1)) {
      gb = Tensor::empty({k, n});
      cpu::gemm(true, false, k, n, m, 1.0f, a.data(), k, gc.data(), n, 0.0f, gb.data(), n);
    }
    return {ga, gb};
  }
  void release() override {
    a_.release();
    b_.release();
  }

 private:
  SavedTensor a_, b_;
};

class LinearBackward : public Node {
 public:
  LinearBackward(const Tensor& x, const Tensor& w, bool has_bias, Shape x_shape)
      : x_(x), w_(w), has_bias_(has_bias), x_shape_(std::move(x_shape)) {}
  std::string name() const override { return "LinearBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    Tensor gc = g.contiguous();
    Tensor x = x_.get(), w = w_.get();
    const int64_t rows = x.size(0), in = x.size(1), out = w.size(0);
    Tensor gx, gw, gb;
    if (needs_grad(0)) {
      gx = Tensor::empty({rows, in});
      cpu::gemm(false, false, rows, in, out, 1.0f, gc.data(), out, w.data(), in, 0.0f, gx.data(), in);
      gx = gx.view(x_shape_);
    }
    if (needs_grad(1)) {
      gw = Tensor::empty({out, in});
      cpu::gemm(true, false, out, in, rows, 1.0f, gc.data(), out, x.data(), in, 0.0f, gw.data(), in);
    }
    if (has_bias_ && needs_grad(2)) {
      gb = Tensor::empty({out});
      cpu::column_sums(gb.data(), gc.data(), rows, out);
    }
    return {gx, gw, gb};
  }
  void release() override {
    x_.release();
    w_.release();
  }

 private:
  SavedTensor x_, w_;
  bool has_bias_;
  Shape x_shape_;
};

// Wᵀ [in, out] of a parameter's weight [out, in], cached on its storage until the version
// moves. x·Wᵀ as a plain product runs 31% faster than with the transposed operand
// (3072→512 at batch 64, one thread: 1.91 vs 2.78 ms; bench/kernels_bench.cpp sgemm_mlp).
// Used without gradients only (eval): in training the weights move every step, and
// transposing them each step cost more than it saved (mlp training 25% slower).
const float* transposed_weight(const Tensor& w) {
  Storage& st = *w.impl()->storage;
  const uint64_t version = w.version();
  const Tensor* have = static_cast<const Tensor*>(st.derived.get());
  if (!have || st.derived_version != version || have->shape() != Shape{w.size(1), w.size(0)}) {
    const int64_t out = w.size(0), in = w.size(1);
    auto t = std::make_shared<Tensor>(Tensor::empty({in, out}));
    const float* src = w.data();
    float* dst = t->data();
    constexpr int64_t B = 32;
    for (int64_t i0 = 0; i0 < out; i0 += B)
      for (int64_t j0 = 0; j0 < in; j0 += B)
        for (int64_t i = i0; i < std::min(out, i0 + B); ++i)
          for (int64_t j = j0; j < std::min(in, j0 + B); ++j) dst[j * out + i] = src[i * in + j];
    st.derived = t;
    st.derived_version = version;
  }
  return static_cast<const Tensor*>(st.derived.get())->data();
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  if (a.dim() != 2 || b.dim() != 2 || a.size(1) != b.size(0))
    throw ShapeError(fmt::format("matmul: shapes {} and {} do not fit ([M, K] times [K, N])", shape_str(a.shape()),
                                 shape_str(b.shape())));
  Tensor ac = a.contiguous(), bc = b.contiguous();
  const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  Tensor out = Tensor::empty({m, n});
  cpu::gemm(false, false, m, n, k, 1.0f, ac.data(), k, bc.data(), n, 0.0f, out.data(), n);
  autograd::maybe_record(out, {&a, &b}, [&] { return std::make_shared<MatmulBackward>(ac, bc); });
  return out;
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  if (weight.dim() != 2)
    throw ShapeError("linear: weight must be [out_features, in_features], got " + shape_str(weight.shape()));
  const int64_t out = weight.size(0), in = weight.size(1);
  if (x.dim() < 1 || x.size(-1) != in)
    throw ShapeError(fmt::format("linear: input of shape {} does not fit weight {} (expects {} input features)",
                                 shape_str(x.shape()), shape_str(weight.shape()), in));
  if (bias.defined() && bias.shape() != Shape{out})
    throw ShapeError(fmt::format("linear: bias of shape {} for {} output features", shape_str(bias.shape()), out));
  const int64_t rows = in == 0 ? 0 : x.numel() / in;
  Tensor xc = x.contiguous().view({rows, in}), wc = weight.contiguous();
  Shape out_shape = x.shape();
  out_shape.back() = out;
  Tensor y = Tensor::empty({rows, out});
  float beta = 0.0f;
  if (bias.defined()) {
    cpu::broadcast_rows(y.data(), bias.contiguous().data(), rows, out);
    beta = 1.0f;
  }
  // One row is a matrix-vector product, which runs faster from W's rows as they are, split
  // over the threads by rows of W (mlp 3x32x32 at batch 1, 2 threads: 0.086 -> 0.058 ms median).
  // So do a few outputs (a classifier's 10 logits), whose product cpu::gemm computes
  // transposed: logistic regression's inference at batch 64, 2 threads, went from 1.46M to
  // 2.69M images/s (nnlab bench, medians of 3 alternating runs).
  if (!grad_enabled() && rows > 1 && out >= cpu::kGemmFewColumns && weight.requires_grad() && weight.is_contiguous() &&
      weight.impl()->offset == 0)
    cpu::gemm(false, false, rows, out, in, 1.0f, xc.data(), in, transposed_weight(wc), out, beta, y.data(), out);
  else
    cpu::gemm(false, true, rows, out, in, 1.0f, xc.data(), in, wc.data(), in, beta, y.data(), out);
  y = y.view(out_shape);
  autograd::maybe_record(y, {&x, &weight, &bias},
                         [&] { return std::make_shared<LinearBackward>(xc, wc, bias.defined(), x.shape()); });
  return y;
}

}  // namespace nnlab
