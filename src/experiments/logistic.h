// Logistic regression for ce-vs-mse: one logit z = w·x + b, a sigmoid output p = σ(z),
// trained by the library's optimizers with either binary cross-entropy on the logit or
// the squared error of p. Everything the comparison varies is an argument; everything it
// keeps equal (the initialisation, the batches) is a value passed to both runs.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "experiments/binary_problem.h"

namespace nnlab::experiments {

enum class BinaryLoss {
  CrossEntropy,  // −y log p − (1−y) log(1−p), from the logit (binary_cross_entropy_with_logits)
  MseOnSigmoid,  // (p − y)², p = σ(z)
};

std::string binary_loss_name(BinaryLoss loss);  // "ce", "mse"

struct LogisticParams {
  std::vector<float> w;
  float b = 0;
};

// nn::Linear(features, 1)'s PyTorch initialisation from this seed.
LogisticParams default_init(int64_t features, uint64_t seed);

// Weights that make the predictions confidently wrong: w = −c·u and b = c·u·m, with u the
// unit vector from the negative class's mean to the positive class's and m the midpoint
// of the two means, so z = −c·u·(x − m); c is chosen so that the median |z| over the
// training set is `median_abs_logit`.
LogisticParams saturated_init(const BinaryProblem& problem, double median_abs_logit);

struct Fit {
  double ce = 0, mse = 0;        // both losses, means over the examples
  double accuracy = 0;           // p ≥ 0.5 predicts the positive class
  double confidently_wrong = 0;  // fraction on the wrong side with |z| ≥ 4.6 (p beyond 0.01 or 0.99)
};

Fit evaluate(const Tensor& x, std::span<const float> y, const LogisticParams& params);

struct Curve {
  std::vector<double> iteration, loss, train_accuracy, test_accuracy;  // loss: the run's own objective
};

struct RunOptions {
  BinaryLoss loss = BinaryLoss::CrossEntropy;
  std::string optimizer = "sgd";  // sgd (no momentum) or adam
  double lr = 0.1;
  int64_t iterations = 100;
  int64_t batch_size = 0;   // 0 or ≥ the training set: full batch
  int64_t eval_every = 1;   // the curve's resolution in iterations
  int64_t dense_until = 0;  // ... except that every iteration up to this one is measured
  uint64_t seed = 0;        // minibatch order
};

struct LogisticRun {
  Curve curve;
  LogisticParams final;
  Fit final_train, final_test;
};

LogisticRun train_logistic(const BinaryProblem& problem, const LogisticParams& init, const RunOptions& options);

// ‖∇_{w,b} L‖ over the whole training set at these parameters, from autograd.
double gradient_norm(const BinaryProblem& problem, const LogisticParams& params, BinaryLoss loss);

struct LogitGradient {
  double p = 0;    // σ(z)
  double ce = 0;   // ∂L/∂z of binary cross-entropy, measured
  double mse = 0;  // ∂L/∂z of the squared error of p, measured
};

// ∂L/∂z for positive training examples (y = 1) measured by autograd: for each of the
// first `examples` positives and each of `levels` target probabilities q (evenly spread
// over (0, 1), offset per example so the examples fill the gaps), the parameters are
// scaled so that the example's logit is log(q / (1 − q)), the loss of that one example is
// back-propagated, and the bias's gradient is read (∂z/∂b = 1, so it is ∂L/∂z).
std::vector<LogitGradient> measure_logit_gradients(const BinaryProblem& problem, const LogisticParams& reference,
                                                   int examples, int levels);

// The analytic gradients for y = 1: CE: p − 1; squared error of p: 2(p − 1)·p(1 − p).
double analytic_ce_gradient(double p);
double analytic_mse_gradient(double p);

}  // namespace nnlab::experiments
