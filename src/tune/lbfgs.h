// Box-constrained minimisation for the GP sampler (kernel hyperparameters, expected
// improvement): L-BFGS (Nocedal & Wright, "Numerical Optimization", 2nd ed., alg. 7.4 and
// 7.5) projected onto the box, in the manner of the projected-gradient methods (ibid.,
// §16.7): coordinates held at a bound by the gradient are frozen for the step.
#pragma once

#include <Eigen/Dense>
#include <functional>

namespace nnlab::tune {

struct LbfgsOptions {
  int max_iterations = 100;
  int memory = 8;
  double gradient_tolerance = 1e-6;   // on the projected gradient's largest entry
  double relative_decrease = 1e-10;   // stop when f improves less than this, relatively
};

struct LbfgsResult {
  Eigen::VectorXd x;
  double value = 0;
  int iterations = 0;
};

// f(x, grad) returns f(x) and writes its gradient. x0 is projected into [lower, upper].
using Objective = std::function<double(const Eigen::VectorXd& x, Eigen::VectorXd& grad)>;
LbfgsResult minimize_in_box(const Objective& f, Eigen::VectorXd x0, const Eigen::VectorXd& lower,
                            const Eigen::VectorXd& upper, const LbfgsOptions& options = {});

}  // namespace nnlab::tune
