// Expected improvement (Jones, Schonlau and Welch, "Efficient global optimization of
// expensive black-box functions", 1998) for minimisation, in logarithm: far from the best
// point EI underflows to 0 and gives a local search nothing to climb, while log EI stays
// finite and smooth (Ament et al., "Unexpected improvements to expected improvement for
// Bayesian optimization", NeurIPS 2023).
#pragma once

#include <Eigen/Dense>

#include "tune/gaussian_process.h"

namespace nnlab::tune {

// h(z) = φ(z) + z Φ(z), so that EI = σ h((f* − μ)/σ). log_h is accurate for any z (an
// asymptotic series below z = −25, where φ and Φ underflow); dlog_h(z) = Φ(z) / h(z).
double log_h(double z);
double dlog_h(double z);

// log EI at x of the GP's latent function below `best` (a standardised value); *grad gets
// its gradient in x.
double log_expected_improvement(const gp::GaussianProcess& gp, const Eigen::VectorXd& x, double best,
                                Eigen::VectorXd* grad = nullptr);

}  // namespace nnlab::tune
