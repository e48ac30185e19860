#include "nnlab/optim/clip_grad.h"

#include <algorithm>
#include <cmath>

#include "backend/cpu/elementwise.h"
#include "nnlab/error.h"
#include "optim/option_checks.h"

namespace nnlab::optim {

namespace {

// Σ|g|^p over one gradient (or max|g| for the inf-norm), accumulated in double.
double power_sum(const float* g, int64_t n, double p) {
  double acc = 0;
  if (std::isinf(p)) {
    for (int64_t i = 0; i < n; ++i) {
      const double a = std::fabs(static_cast<double>(g[i]));
      acc = (std::isnan(a) || a > acc) ? a : acc;  // NaN propagates, as torch's max does
      if (std::isnan(acc)) break;
    }
    return acc;
  }
  if (p == 2.0) {
    return cpu::sum_squares(g, n);
  }
#pragma omp parallel for reduction(+ : acc) schedule(static) if (n > cpu::kParallelGrain)
  for (int64_t i = 0; i < n; ++i) acc += std::pow(std::fabs(static_cast<double>(g[i])), p);
  return acc;
}

}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type) {
  detail::require_option(norm_type > 0, "clip_grad_norm_", "norm_type", norm_type, "a value > 0 or infinity");
  detail::require_option(max_norm >= 0, "clip_grad_norm_", "max_norm", max_norm, "a value >= 0");
  std::vector<Tensor> grads;
  for (const Tensor& p : params) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (!g.is_contiguous()) {  // clip the gradient itself, not a copy
      g = g.contiguous();
      p.set_grad(g);
    }
    grads.push_back(g);
  }
  // The joint norm over all gradients is the norm of the per-gradient norms.
  double total = 0;
  for (const Tensor& g : grads) {
    const double s = power_sum(g.data(), g.numel(), norm_type);
    total = std::isinf(norm_type) ? ((std::isnan(s) || s > total) ? s : total) : total + s;
  }
  if (!std::isinf(norm_type)) total = std::pow(total, 1.0 / norm_type);

  const double coef = max_norm / (total + 1e-6);
  if (coef < 1.0 || std::isnan(coef)) {  // multiplying by 1 would change nothing
    const float c = static_cast<float>(coef);
    for (Tensor& g : grads) {
      float* d = g.data();
      const int64_t n = g.numel();
      cpu::scale(d, d, c, n);
      g.bump_version();
    }
  }
  return total;
}

}  // namespace nnlab::optim
