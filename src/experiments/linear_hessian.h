// The exact Hessians of one linear layer y = W x + b (K outputs, parameters ordered as
// Module::parameters() gives them: W row-major, then b) under the two losses of the
// convexity experiment, to validate the finite-difference Hessian-vector products and
// Lanczos against. n = K·(F + 1); results are n×n, row-major.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "nnlab/tensor.h"

namespace nnlab::experiments {

// MSE over the N·K outputs against any targets: L = Σ (Wx + b − t)² / (N K), whose Hessian
// is the constant (2 / (N K)) · I_K ⊗ X̃ᵀX̃ with X̃ = [X, 1].
std::vector<double> linear_mse_hessian(const Tensor& x, int64_t classes);

// Mean softmax cross-entropy: H = (1/N) Σ_n (diag(p_n) − p_n p_nᵀ) ⊗ x̃_n x̃_nᵀ, p_n the
// softmax of W x_n + b (Böhning 1992). Positive semidefinite, singular: adding one vector
// to every row of [W b] leaves the softmax unchanged.
std::vector<double> linear_ce_hessian(const Tensor& x, std::span<const double> theta, int64_t classes);

// Eigenvalues of a symmetric n×n row-major matrix, ascending.
std::vector<double> symmetric_eigenvalues(std::span<const double> matrix, int64_t n);

}  // namespace nnlab::experiments
