#include "experiments/logistic.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <tuple>

#include "nnlab/autograd.h"
#include "nnlab/data/data_loader.h"
#include "nnlab/error.h"
#include "nnlab/nn/linear.h"
#include "nnlab/ops/activation.h"
#include "nnlab/ops/linear.h"
#include "nnlab/ops/loss.h"
#include "nnlab/optim/make_optimizer.h"

namespace nnlab::experiments {

namespace {

// A Linear(features, 1) layer holding these parameters.
std::shared_ptr<nn::Linear> make_layer(const LogisticParams& p) {
  Generator gen(0);
  auto layer = std::make_shared<nn::Linear>(nn::LinearOptions(static_cast<int64_t>(p.w.size()), 1), gen);
  std::copy(p.w.begin(), p.w.end(), layer->weight.data());
  layer->bias.data()[0] = p.b;
  layer->weight.bump_version();
  layer->bias.bump_version();
  return layer;
}

LogisticParams read_layer(const nn::Linear& layer) {
  LogisticParams p;
  p.w = layer.weight.to_vector();
  p.b = layer.bias.to_vector()[0];
  return p;
}

Tensor loss_of(const Tensor& z, const Tensor& y, BinaryLoss loss) {
  return loss == BinaryLoss::CrossEntropy ? binary_cross_entropy_with_logits(z, y) : mse_loss(sigmoid(z), y);
}

// Rows `rows` of x, and their targets, as a batch.
std::pair<Tensor, Tensor> gather(const Tensor& x, std::span<const float> y, std::span<const int64_t> rows) {
  const int64_t f = x.size(1);
  Tensor bx = Tensor::empty({static_cast<int64_t>(rows.size()), f}),
         by = Tensor::empty({static_cast<int64_t>(rows.size()), 1});
  const float* src = x.data();
  for (size_t i = 0; i < rows.size(); ++i) {
    std::memcpy(bx.data() + static_cast<int64_t>(i) * f, src + rows[i] * f, sizeof(float) * static_cast<size_t>(f));
    by.data()[i] = y[static_cast<size_t>(rows[i])];
  }
  return {bx, by};
}

Tensor targets(std::span<const float> y) { return Tensor::from_data({static_cast<int64_t>(y.size()), 1}, y); }

double sigmoid_of(double z) { return 1.0 / (1.0 + std::exp(-z)); }

}  // namespace

std::string binary_loss_name(BinaryLoss loss) { return loss == BinaryLoss::CrossEntropy ? "ce" : "mse"; }

LogisticParams default_init(int64_t features, uint64_t seed) {
  Generator gen(seed);
  nn::Linear layer(nn::LinearOptions(features, 1), gen);
  return read_layer(layer);
}

LogisticParams saturated_init(const BinaryProblem& problem, double median_abs_logit) {
  const int64_t n = problem.train_size(), f = problem.features();
  std::vector<double> mean[2] = {std::vector<double>(static_cast<size_t>(f)),
                                 std::vector<double>(static_cast<size_t>(f))};
  double count[2] = {0, 0};
  const float* x = problem.x_train.data();
  for (int64_t i = 0; i < n; ++i) {
    const int c = problem.y_train[static_cast<size_t>(i)] > 0.5f ? 1 : 0;
    count[c] += 1;
    for (int64_t j = 0; j < f; ++j) mean[c][static_cast<size_t>(j)] += x[i * f + j];
  }
  if (count[0] == 0 || count[1] == 0) throw DataError(problem.name + ": the training set lacks one of the two classes");
  std::vector<double> u(static_cast<size_t>(f)), mid(static_cast<size_t>(f));
  double norm = 0;
  for (size_t j = 0; j < u.size(); ++j) {
    mean[0][j] /= count[0];
    mean[1][j] /= count[1];
    u[j] = mean[1][j] - mean[0][j];
    mid[j] = 0.5 * (mean[0][j] + mean[1][j]);
    norm += u[j] * u[j];
  }
  norm = std::sqrt(norm);
  if (norm == 0) throw DataError(problem.name + ": the two classes have the same mean; no direction to saturate along");
  for (double& v : u) v /= norm;
  std::vector<double> proj(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    double s = 0;
    for (int64_t j = 0; j < f; ++j) s += u[static_cast<size_t>(j)] * (x[i * f + j] - mid[static_cast<size_t>(j)]);
    proj[static_cast<size_t>(i)] = std::fabs(s);
  }
  std::nth_element(proj.begin(), proj.begin() + n / 2, proj.end());
  const double c = median_abs_logit / std::max(proj[static_cast<size_t>(n / 2)], 1e-12);
  LogisticParams p;
  double b = 0;
  for (size_t j = 0; j < u.size(); ++j) {
    p.w.push_back(static_cast<float>(-c * u[j]));
    b += c * u[j] * mid[j];
  }
  p.b = static_cast<float>(b);
  return p;
}

Fit evaluate(const Tensor& x, std::span<const float> y, const LogisticParams& params) {
  NoGradGuard no_grad;
  Tensor w = Tensor::from_data({1, static_cast<int64_t>(params.w.size())}, params.w);
  Tensor b = Tensor::from_data({1}, std::span<const float>(&params.b, 1));
  const std::vector<float> z = linear(x, w, b).to_vector();
  Fit fit;
  for (size_t i = 0; i < z.size(); ++i) {
    const double zi = z[i], yi = y[i], p = sigmoid_of(zi);
    // log(1 + e^{−|z|}) + max(z, 0) − z·y: the cross-entropy without overflow.
    fit.ce += std::log1p(std::exp(-std::fabs(zi))) + std::max(zi, 0.0) - zi * yi;
    fit.mse += (p - yi) * (p - yi);
    const bool positive = zi >= 0;  // p ≥ 0.5
    if (positive == (yi > 0.5))
      fit.accuracy += 1;
    else if (std::fabs(zi) >= 4.6)
      fit.confidently_wrong += 1;
  }
  const double n = static_cast<double>(z.size());
  fit.ce /= n;
  fit.mse /= n;
  fit.accuracy /= n;
  fit.confidently_wrong /= n;
  return fit;
}

LogisticRun train_logistic(const BinaryProblem& problem, const LogisticParams& init, const RunOptions& o) {
  if (o.iterations < 1 || o.eval_every < 1) throw ConfigError("a logistic run needs iterations ≥ 1 and eval_every ≥ 1");
  auto layer = make_layer(init);
  optim::OptimizerConfig oc;
  oc.name = o.optimizer;
  oc.lr = o.lr;
  auto optimizer = optim::make_optimizer({optim::ParamGroup{layer->parameters()}}, oc);
  const int64_t n = problem.train_size();
  const bool full_batch = o.batch_size <= 0 || o.batch_size >= n;
  const Tensor y_all = targets(problem.y_train);

  LogisticRun run;
  auto record = [&](int64_t iteration) {
    const LogisticParams now = read_layer(*layer);
    const Fit train = evaluate(problem.x_train, problem.y_train, now);
    const Fit test = evaluate(problem.x_test, problem.y_test, now);
    run.curve.iteration.push_back(static_cast<double>(iteration));
    run.curve.loss.push_back(o.loss == BinaryLoss::CrossEntropy ? train.ce : train.mse);
    run.curve.train_accuracy.push_back(train.accuracy);
    run.curve.test_accuracy.push_back(test.accuracy);
  };
  record(0);
  std::vector<int64_t> order;
  int64_t epoch = 0, cursor = n;
  for (int64_t it = 1; it <= o.iterations; ++it) {
    Tensor bx = problem.x_train, by = y_all;
    if (!full_batch) {
      if (cursor + o.batch_size > n) {  // a new epoch: a fresh seeded order; the short remainder is dropped
        order = data::epoch_order(n, true, o.seed, epoch++);
        cursor = 0;
      }
      std::tie(bx, by) = gather(
          problem.x_train, problem.y_train,
          std::span<const int64_t>(order).subspan(static_cast<size_t>(cursor), static_cast<size_t>(o.batch_size)));
      cursor += o.batch_size;
    }
    Tensor loss = loss_of((*layer)(bx), by, o.loss);
    if (!std::isfinite(loss.item()))
      throw Error(fmt::format("{}: {} with {} (lr {}) diverged at iteration {}", problem.name, binary_loss_name(o.loss),
                              o.optimizer, o.lr, it));
    optimizer->zero_grad();
    loss.backward();
    optimizer->step();
    if (it <= o.dense_until || it % o.eval_every == 0 || it == o.iterations) record(it);
  }
  run.final = read_layer(*layer);
  run.final_train = evaluate(problem.x_train, problem.y_train, run.final);
  run.final_test = evaluate(problem.x_test, problem.y_test, run.final);
  return run;
}

double gradient_norm(const BinaryProblem& problem, const LogisticParams& params, BinaryLoss loss) {
  auto layer = make_layer(params);
  Tensor l = loss_of((*layer)(problem.x_train), targets(problem.y_train), loss);
  l.backward();
  double s = 0;
  for (const Tensor& p : layer->parameters())
    for (float g : p.grad().to_vector()) s += static_cast<double>(g) * g;
  return std::sqrt(s);
}

std::vector<LogitGradient> measure_logit_gradients(const BinaryProblem& problem, const LogisticParams& reference,
                                                   int examples, int levels) {
  std::vector<LogitGradient> out;
  const int64_t f = problem.features();
  const Tensor one = Tensor::full({1, 1}, 1.0f);
  int taken = 0;
  for (int64_t i = 0; i < problem.train_size() && taken < examples; ++i) {
    if (problem.y_train[static_cast<size_t>(i)] < 0.5f) continue;
    const int64_t row[] = {i};
    Tensor x = gather(problem.x_train, problem.y_train, row).first;
    double z0 = reference.b;
    for (int64_t j = 0; j < f; ++j) z0 += static_cast<double>(reference.w[static_cast<size_t>(j)]) * x.data()[j];
    if (std::fabs(z0) < 0.5) continue;  // too close to the boundary to scale to the target logits
    const double offset = (taken + 0.5) / examples;
    ++taken;
    for (int level = 0; level < levels; ++level) {
      const double q = (level + offset) / levels, t = std::log(q / (1 - q));
      LogisticParams scaled = reference;
      const double s = t / z0;
      for (float& w : scaled.w) w = static_cast<float>(w * s);
      scaled.b = static_cast<float>(scaled.b * s);
      LogitGradient g;
      for (BinaryLoss loss : {BinaryLoss::CrossEntropy, BinaryLoss::MseOnSigmoid}) {
        auto layer = make_layer(scaled);
        Tensor z = (*layer)(x);
        loss_of(z, one, loss).backward();
        const double dz = layer->bias.grad().to_vector()[0];
        g.p = sigmoid_of(z.item());
        (loss == BinaryLoss::CrossEntropy ? g.ce : g.mse) = dz;
      }
      out.push_back(g);
    }
  }
  return out;
}

double analytic_ce_gradient(double p) { return p - 1; }
double analytic_mse_gradient(double p) { return 2 * (p - 1) * p * (1 - p); }

}  // namespace nnlab::experiments
