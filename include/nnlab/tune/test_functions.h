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

// The functions below take any d ≥ 1 (nnlab tune uses d ≥ 2); each has its minimum 0.
// Levy on [−10, 10]^d: minimum at (1, ..., 1), many local minima along sin² ripples.
double levy(std::span<const double> x);
// Ackley (a = 20, b = 0.2, c = 2π) on [−32.768, 32.768]^d: minimum at the origin, a
// nearly flat outer region dotted with local minima around a single deep funnel.
double ackley(std::span<const double> x);
// Rastrigin 10d + Σ x_i² − 10 cos(2π x_i) on [−5.12, 5.12]^d: minimum at the origin, a
// regular grid of about 10^d local minima.
double rastrigin(std::span<const double> x);

}  // namespace nnlab::tune
