// The op-test harness: one table of ops, each checked forward and backward against PyTorch
// golden values (scripts/golden/make_op_golden.py) and its gradient against central finite
// differences, in the manner of ggml's test-backend-ops.
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "nnlab/autograd.h"
#include "nnlab/generator.h"
#include "nnlab/ops.h"
#include "support/golden.h"

using namespace nnlab;
using nnlab::testing::close_to;

namespace {

using Inputs = std::vector<Tensor>;

std::vector<int32_t> labels(const Tensor& t) {
  std::vector<int32_t> v;
  for (float f : t.to_vector()) v.push_back(static_cast<int32_t>(f));
  return v;
}

struct OpCase {
  std::string name;
  std::function<Tensor(const Inputs&)> fn;
  std::vector<int> grads;  // inputs whose gradients are checked
  bool golden = true;      // compared with PyTorch (dropout cannot be: different RNG)
  // The finite-difference step. A case linear in each input has no truncation error, so a
  // large step can swamp rounding that changes with every evaluation (Winograd's transforms
  // round per tile: at 2e-3 its 1e-6 relative noise over 4096 outputs moved differences by 0.05).
  float fd_eps = 2e-3f;
};

std::vector<OpCase> cases() {
  return {
      {"matmul", [](const Inputs& x) { return matmul(x[0], x[1]); }, {0, 1}},
      {"linear", [](const Inputs& x) { return linear(x[0], x[1], x[2]); }, {0, 1, 2}},
      {"linear_3d", [](const Inputs& x) { return linear(x[0], x[1]); }, {0, 1}},
      {"conv2d", [](const Inputs& x) { return conv2d(x[0], x[1], x[2], {1, 1, 1}); }, {0, 1, 2}},
      {"conv2d_s2p2", [](const Inputs& x) { return conv2d(x[0], x[1], x[2], {2, 2, 1}); }, {0, 1, 2}},
      {"conv2d_dil2", [](const Inputs& x) { return conv2d(x[0], x[1], {}, {1, 1, 2}); }, {0, 1}},
      {"conv2d_1x1_s2", [](const Inputs& x) { return conv2d(x[0], x[1], {}, {2, 0, 1}); }, {0, 1}},
      {"max_pool2d", [](const Inputs& x) { return max_pool2d(x[0], {2, 2, 0}); }, {0}},
      {"max_pool2d_k3s2p1", [](const Inputs& x) { return max_pool2d(x[0], {3, 2, 1}); }, {0}},
      {"avg_pool2d", [](const Inputs& x) { return avg_pool2d(x[0], {2, 2, 0}); }, {0}},
      {"avg_pool2d_k3s2p1", [](const Inputs& x) { return avg_pool2d(x[0], {3, 2, 1}); }, {0}},
      {"global_avg_pool2d", [](const Inputs& x) { return global_avg_pool2d(x[0]); }, {0}},
      {"batch_norm2d_train",
       [](const Inputs& x) {
         return batch_norm(x[0], x[1], x[2], Tensor::zeros({3}), Tensor::ones({3}), {true, 0.1f, 1e-5f});
       },
       {0, 1, 2}},
      {"batch_norm1d_train",
       [](const Inputs& x) {
         return batch_norm(x[0], x[1], x[2], Tensor::zeros({5}), Tensor::ones({5}), {true, 0.1f, 1e-5f});
       },
       {0, 1, 2}},
      {"batch_norm2d_eval",
       [](const Inputs& x) { return batch_norm(x[0], x[1], x[2], x[3], x[4], {false, 0.1f, 1e-5f}); },
       {0, 1, 2}},
      {"relu", [](const Inputs& x) { return relu(x[0]); }, {0}},
      {"leaky_relu", [](const Inputs& x) { return leaky_relu(x[0], 0.1f); }, {0}},
      {"sigmoid", [](const Inputs& x) { return sigmoid(x[0]); }, {0}},
      {"tanh", [](const Inputs& x) { return nnlab::tanh(x[0]); }, {0}},
      {"gelu", [](const Inputs& x) { return gelu(x[0]); }, {0}},
      {"softmax", [](const Inputs& x) { return softmax(x[0], 1); }, {0}},
      {"log_softmax", [](const Inputs& x) { return log_softmax(x[0], 1); }, {0}},
      {"softmax_dim1_3d", [](const Inputs& x) { return softmax(x[0], 1); }, {0}},
      {"add_broadcast", [](const Inputs& x) { return x[0] + x[1]; }, {0, 1}},
      {"sub_broadcast", [](const Inputs& x) { return x[0] - x[1]; }, {0, 1}},
      {"mul", [](const Inputs& x) { return x[0] * x[1]; }, {0, 1}},
      {"div", [](const Inputs& x) { return x[0] / x[1]; }, {0, 1}},
      {"mul_scalar", [](const Inputs& x) { return x[0] * 2.5f; }, {0}},
      {"exp", [](const Inputs& x) { return nnlab::exp(x[0]); }, {0}},
      {"log", [](const Inputs& x) { return nnlab::log(x[0]); }, {0}},
      {"square", [](const Inputs& x) { return square(x[0]); }, {0}},
      {"sum", [](const Inputs& x) { return sum(x[0]); }, {0}},
      {"mean", [](const Inputs& x) { return mean(x[0]); }, {0}},
      {"sum_dim1", [](const Inputs& x) { return sum(x[0], 1); }, {0}},
      {"mean_dim0_keepdim", [](const Inputs& x) { return mean(x[0], 0, true); }, {0}},
      {"flatten", [](const Inputs& x) { return flatten(x[0], 1); }, {0}},
      {"reshape", [](const Inputs& x) { return reshape(x[0], {4, 6}); }, {0}},
      {"transpose", [](const Inputs& x) { return transpose(x[0], 0, 1); }, {0}},
      {"pad2d", [](const Inputs& x) { return pad2d(x[0], 1, 2, 0, 3); }, {0}},
      {"cat_dim1", [](const Inputs& x) { return cat({x[0], x[1]}, 1); }, {0, 1}},
      {"cross_entropy", [](const Inputs& x) { return cross_entropy(x[0], labels(x[1])); }, {0}},
      {"cross_entropy_sum", [](const Inputs& x) { return cross_entropy(x[0], labels(x[1]), Reduction::Sum); }, {0}},
      {"cross_entropy_none", [](const Inputs& x) { return cross_entropy(x[0], labels(x[1]), Reduction::None); }, {0}},
      {"cross_entropy_smooth",
       [](const Inputs& x) { return cross_entropy(x[0], labels(x[1]), Reduction::Mean, 0.1f); },
       {0}},
      {"nll_loss", [](const Inputs& x) { return nll_loss(log_softmax(x[0], 1), labels(x[1])); }, {0}},
      {"bce_with_logits", [](const Inputs& x) { return binary_cross_entropy_with_logits(x[0], x[1]); }, {0, 1}},
      {"mse_loss", [](const Inputs& x) { return mse_loss(x[0], x[1]); }, {0, 1}},
      {"mse_loss_sum", [](const Inputs& x) { return mse_loss(x[0], x[1], Reduction::Sum); }, {0, 1}},
      {"mse_softmax_onehot",
       [](const Inputs& x) { return mse_loss(softmax(x[0], 1), one_hot(labels(x[1]), 4)); },
       {0}},
      {"conv2d_one_channel_to_64", [](const Inputs& x) { return conv2d(x[0], x[1], {}, {1, 1, 1}); }, {0, 1}},
      {"conv2d_k3_over_2x2", [](const Inputs& x) { return conv2d(x[0], x[1], {}, {1, 1, 1}); }, {0, 1}},
      {"batch_norm2d_train_2x2",
       [](const Inputs& x) {
         return batch_norm(x[0], x[1], x[2], Tensor::zeros({8}), Tensor::ones({8}), {true, 0.1f, 1e-5f});
       },
       {0, 1, 2}},
      {"max_pool2d_2x2_to_1x1", [](const Inputs& x) { return max_pool2d(x[0], {2, 2, 0}); }, {0}},
      {"conv2d_one_channel_k5p2", [](const Inputs& x) { return conv2d(x[0], x[1], x[2], {1, 2, 1}); }, {0, 1, 2}},
      {"conv2d_winograd", [](const Inputs& x) { return conv2d(x[0], x[1], x[2], {1, 1, 1}); }, {0, 1, 2}, true,
       0.25f},
      {"flip_width", [](const Inputs& x) { return flip_width(x[0]); }, {0}},
      {"dropout",
       [](const Inputs& x) {
         Generator gen(7);  // the same mask on every call, so finite differences see one function
         return dropout(x[0], 0.3f, true, gen);
       },
       {0},
       false},
  };
}

void PrintTo(const OpCase& c, std::ostream* os) { *os << c.name; }

const io::TensorFile& golden() {
  static io::TensorFile f = io::load_safetensors(nnlab::testing::data_path("golden_ops.safetensors"));
  return f;
}

Tensor golden_tensor(const std::string& key) {
  const StateEntry* e = find_entry(golden().tensors, key);
  if (!e) throw std::runtime_error("golden file lacks " + key + ": regenerate it (scripts/golden/make_op_golden.py)");
  return e->tensor.clone();
}

Inputs inputs_for(const OpCase& c) {
  Inputs in;
  if (!c.golden) {
    Generator gen(3);
    in.push_back(Tensor::normal({4, 6}, 0, 1, gen));
    return in;
  }
  for (int i = 0;; ++i) {
    const StateEntry* e = find_entry(golden().tensors, c.name + "/in" + std::to_string(i));
    if (!e) break;
    in.push_back(e->tensor.clone());
  }
  return in;
}

double weighted_sum(const Tensor& y, const Tensor& r) {
  auto a = y.to_vector(), b = r.to_vector();
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

class OpHarness : public ::testing::TestWithParam<OpCase> {};

TEST_P(OpHarness, MatchesPyTorchForwardAndBackward) {
  const OpCase& c = GetParam();
  if (!c.golden) GTEST_SKIP() << c.name << " draws random numbers; checked by finite differences only";
  Inputs in = inputs_for(c);
  for (int i : c.grads) in[i].requires_grad_();
  Tensor y = c.fn(in);
  EXPECT_TRUE(close_to(y, golden_tensor(c.name + "/out"), 1e-4, c.name + " forward"));
  y.backward(golden_tensor(c.name + "/R"));
  for (int i : c.grads)
    EXPECT_TRUE(close_to(in[i].grad(), golden_tensor(c.name + "/grad" + std::to_string(i)), 1e-4,
                         c.name + " gradient of input " + std::to_string(i)));
}

TEST_P(OpHarness, GradientMatchesFiniteDifferences) {
  const OpCase& c = GetParam();
  Inputs in = inputs_for(c);
  for (int i : c.grads) in[i].requires_grad_();
  Tensor y = c.fn(in);
  Generator gen(11);
  Tensor r = Tensor::normal(y.shape(), 0, 1, gen);
  y.backward(r);
  // Central differences of sum(y * r) in float32: eps balances rounding (~1e-7/eps) against
  // truncation (~eps²); inputs of max and ReLU cases are spaced so no kink is crossed.
  const float eps = c.fd_eps;
  for (int i : c.grads) {
    Tensor analytic = in[i].grad();
    ASSERT_TRUE(analytic.defined()) << c.name << ": no gradient for input " << i;
    Inputs probe;
    for (const Tensor& t : in) probe.push_back(t.detach().clone());
    float* p = probe[i].data();
    const int64_t n = probe[i].numel();
    const int64_t step = std::max<int64_t>(1, n / 64);  // at most ~64 coordinates per input
    for (int64_t k = 0; k < n; k += step) {
      const float saved = p[k];
      NoGradGuard no_grad;
      p[k] = saved + eps;
      const double up = weighted_sum(c.fn(probe), r);
      p[k] = saved - eps;
      const double down = weighted_sum(c.fn(probe), r);
      p[k] = saved;
      const double numeric = (up - down) / (2.0 * eps);
      const double a = analytic.data()[k];
      EXPECT_NEAR(a, numeric, 1e-2 + 1e-2 * std::abs(numeric))
          << c.name << ": input " << i << " element " << k;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Ops, OpHarness, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<OpCase>& info) { return info.param.name; });

TEST(OpHarness, EveryGoldenCaseIsInTheTable) {
  std::map<std::string, bool> known;
  for (const OpCase& c : cases()) known[c.name] = true;
  for (const StateEntry& e : golden().tensors) {
    std::string name = e.name.substr(0, e.name.find('/'));
    EXPECT_TRUE(known.count(name)) << "golden case " << name << " has no entry in the harness table";
  }
}

}  // namespace
