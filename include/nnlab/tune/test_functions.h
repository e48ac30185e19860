// Standard test functions for checking optimisers (Surjanovic & Bingham, "Virtual Library of
// Simulation Experiments: Test Functions and Datasets", Simon Fraser University).
#pragma once

#include <span>

namespace nnlab::tune {

// Branin-Hoo on x1 ∈ [−5, 10], x2 ∈ [0, 15]; global minimum 0.397887 at (−π, 12.275),
// (π, 2.275) and (9.42478, 2.475).
double branin(double x1, double x2);
constexpr double kBraninMinimum = 0.397887;

// Hartmann 6-D on [0, 1]^6; global minimum −3.32237 at
// (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573).
double hartmann6(std::span<const double, 6> x);
constexpr double kHartmann6Minimum = -3.32237;

// Rosenbrock Σ 100 (x_{i+1} − x_i²)² + (1 − x_i)² on [−5, 10]^d; minimum 0 at (1, ..., 1).
double rosenbrock(std::span<const double> x);

}  // namespace nnlab::tune
