// Second-order probes of a loss surface for the convexity experiment: Hessian-vector
// products and the Lanczos method for the extreme Hessian eigenvalues.
//
// nnlab's autograd has no double backward, so H·v is a central difference of exact
// gradients, (∇L(θ+εv) − ∇L(θ−εv)) / 2ε: exact for a quadratic loss up to rounding, with a
// truncation error of ε²/6 · ∇³L[v,v,v]-terms otherwise (Nocedal & Wright, Numerical
// Optimization, §8.1). Gradients come from float32 autograd, so ε trades rounding
// (∝ 1/ε) against truncation (∝ ε²); the experiment measures the resulting noise.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "nnlab/generator.h"

namespace nnlab::experiments {

// A loss as a function of a flat parameter vector.
class LossFunction {
 public:
  virtual ~LossFunction() = default;
  virtual int64_t size() const = 0;
  // L(θ); with a non-empty `grad` (size() values), also ∇L(θ) into it.
  virtual double value(std::span<const double> theta, std::span<double> grad) = 0;
};

// H(θ)·v by central differences with step eps along v (not normalised: the step in
// parameter space is eps·‖v‖).
std::vector<double> hessian_vector_product(LossFunction& f, std::span<const double> theta, std::span<const double> v,
                                           double eps);

// The n×n Hessian (row-major), column j = H·e_j by the same central differences, then
// symmetrised as (H + Hᵀ)/2. For small n only (validation).
std::vector<double> explicit_hessian(LossFunction& f, std::span<const double> theta, double eps);

struct LanczosResult {
  double min = 0, max = 0;   // the extreme Ritz values
  std::vector<double> ritz;  // all Ritz values, ascending
  int steps = 0;
  int restarts = 0;  // Krylov space exhausted: continued from a fresh orthogonal vector
};

// Lanczos iteration with full reorthogonalisation (Golub & Van Loan, Matrix Computations,
// §10.1) on the symmetric operator `op` of dimension n, started from a random unit vector.
// The Ritz values interlace the spectrum, so min ≥ λ_min and max ≤ λ_max, and they reach
// the extreme eigenvalues as the steps grow (all of them after n steps, in exact
// arithmetic). steps is capped at n.
using LinearOperator = std::function<std::vector<double>(std::span<const double>)>;
LanczosResult lanczos(const LinearOperator& op, int64_t n, int steps, Generator& rng);

}  // namespace nnlab::experiments
