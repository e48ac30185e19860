#include <algorithm>
#include <chrono>
#include <cmath>

#include "bench/load_monitor.h"
#include "bench/peak_memory.h"
#include "nnlab/autograd.h"
#include "nnlab/bench.h"
#include "nnlab/generator.h"
#include "nnlab/ops/loss.h"
#include "nnlab/optim/sgd.h"
#include "nnlab/precision.h"
#include "nnlab/zoo/zoo.h"

namespace nnlab::bench {

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

bool is_small(const std::string& m) { return m == "logreg" || m == "mlp" || m == "lenet5"; }
bool also_28(const std::string& m) { return m == "lenet5" || m == "mlp"; }

double median_of_sorted(const std::vector<double>& v) {
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return median_of_sorted(v);
}

// One measurement attempt of a config: train, then (optionally) infer.
BenchResult measure(const BenchConfig& c, const BenchOptions& o) {
  BenchResult r;
  r.config = c;
  zoo::ModelOptions mo;
  mo.name = c.model;
  mo.input = c.shape;
  mo.classes = 10;
  mo.seed = 0;
  auto model = zoo::build(mo);
  r.fwd_flops = zoo::forward_flops(*model, c.shape);

  Generator gen(0);
  Shape xs{c.batch};
  xs.insert(xs.end(), c.shape.begin(), c.shape.end());
  Tensor x = Tensor::normal(xs, 0.0f, 1.0f, gen);
  std::vector<int32_t> y(static_cast<size_t>(c.batch));
  for (int32_t& v : y) v = static_cast<int32_t>(gen.below(10));

  PrecisionGuard precision(o.bf16 ? Precision::BF16 : Precision::F32);
  optim::SGD opt(model->parameters(), optim::SGDOptions(0.01).momentum(0.9));
  Tensor loss;
  auto train_step = [&] {
    opt.zero_grad();
    loss = cross_entropy((*model)(x), y);
    loss.backward();
    opt.step();
  };
  if (o.train) {
    model->train();
    r.train = time_steps(train_step, c.batch, o.seconds);
    r.final_loss = loss.item();
  }
  if (o.infer) {
    model->eval();
    auto infer_step = [&] {
      NoGradGuard no_grad;
      (*model)(x);
    };
    r.infer = time_steps(infer_step, c.batch, o.seconds);
    r.has_infer = true;
  }
  return r;
}

}  // namespace

std::vector<BenchConfig> default_configs(const std::vector<std::string>& models, const std::vector<int64_t>& batches,
                                         const std::vector<Shape>& shapes) {
  std::vector<BenchConfig> out;
  for (const Shape& shape : shapes)
    for (const std::string& m : models) {
      zoo::model_info(m);  // an unknown name is a ConfigError listing the zoo
      const bool is28 = shape.size() == 3 && shape[1] == 28 && shape[2] == 28;
      if (is28 && !also_28(m)) continue;
      std::vector<int64_t> bs = batches;
      if (bs.empty()) {
        bs = {64, 128};
        if (is_small(m)) bs.push_back(256);
      }
      for (int64_t b : bs) out.push_back({m, shape, b});
    }
  return out;
}

Timing time_steps(const std::function<void()>& step, int64_t batch, double seconds, int windows) {
  const double t0 = now();
  int n = 0;
  double t1 = t0;
  while (n < 2 || now() - t0 < 0.5) {
    t1 = now();
    step();
    ++n;
  }
  const double t_step = std::max(now() - t1, 1e-9);
  const int nwin = std::max(3, std::min(windows, static_cast<int>(seconds / t_step)));
  const int64_t iters = std::max<int64_t>(1, std::llround(seconds / nwin / t_step));
  Timing t;
  std::vector<double> durations;
  durations.reserve(static_cast<size_t>(nwin * iters));
  OtherLoad other;
  for (int w = 0; w < nwin; ++w) {
    const double s = now();
    double before = s;
    for (int64_t i = 0; i < iters; ++i) {
      step();
      const double after = now();
      durations.push_back(after - before);
      before = after;
    }
    t.rates.push_back(static_cast<double>(iters * batch) / (before - s));
  }
  t.other_cores = other.cores();
  t.steps = nwin * iters;
  t.img_s = median(t.rates);
  std::sort(durations.begin(), durations.end());
  t.step_ms_median = 1e3 * median_of_sorted(durations);
  const size_t rank = static_cast<size_t>(std::ceil(0.99 * static_cast<double>(durations.size())));
  t.step_ms_p99 = 1e3 * durations[std::clamp<size_t>(rank, 1, durations.size()) - 1];
  return t;
}

BenchResult run_config(const BenchConfig& config, const BenchOptions& options) {
  BenchResult r;
  for (int attempt = 0; attempt <= options.retries; ++attempt) {
    const double waited = options.wait_idle > 0 ? wait_idle(options.wait_idle) : 0.0;
    reset_peak_memory();
    r = measure(config, options);
    r.peak_rss_mb = peak_memory_mb();
    r.waited_s = waited;
    r.attempts = attempt + 1;
    if (std::max(r.train.other_cores, r.infer.other_cores) <= 0.1) break;
  }
  return r;
}

}  // namespace nnlab::bench
