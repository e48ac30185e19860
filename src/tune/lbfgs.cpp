#include "tune/lbfgs.h"

#include <cmath>
#include <deque>

namespace nnlab::tune {

namespace {

Eigen::VectorXd project(Eigen::VectorXd x, const Eigen::VectorXd& lo, const Eigen::VectorXd& hi) {
  return x.cwiseMax(lo).cwiseMin(hi);
}

// Coordinates at a bound whose negative gradient points out of the box stay put.
Eigen::VectorXd free_mask(const Eigen::VectorXd& x, const Eigen::VectorXd& g, const Eigen::VectorXd& lo,
                          const Eigen::VectorXd& hi) {
  Eigen::VectorXd m = Eigen::VectorXd::Ones(x.size());
  for (Eigen::Index i = 0; i < x.size(); ++i)
    if ((x[i] <= lo[i] && g[i] > 0) || (x[i] >= hi[i] && g[i] < 0)) m[i] = 0;
  return m;
}

}  // namespace

LbfgsResult minimize_in_box(const Objective& f, Eigen::VectorXd x0, const Eigen::VectorXd& lo,
                            const Eigen::VectorXd& hi, const LbfgsOptions& opt) {
  Eigen::VectorXd x = project(std::move(x0), lo, hi);
  Eigen::VectorXd g(x.size());
  double fx = f(x, g);
  std::deque<Eigen::VectorXd> s_hist, y_hist;
  LbfgsResult result{x, fx, 0};
  if (!std::isfinite(fx)) return result;
  for (int it = 0; it < opt.max_iterations; ++it) {
    result.iterations = it + 1;
    Eigen::VectorXd mask = free_mask(x, g, lo, hi);
    Eigen::VectorXd pg = g.cwiseProduct(mask);
    if (pg.lpNorm<Eigen::Infinity>() < opt.gradient_tolerance) break;
    // Two-loop recursion (Nocedal & Wright alg. 7.4) on the free coordinates.
    Eigen::VectorXd q = pg;
    std::vector<double> alpha(s_hist.size());
    for (size_t k = s_hist.size(); k-- > 0;) {
      double rho = 1.0 / y_hist[k].cwiseProduct(mask).dot(s_hist[k].cwiseProduct(mask));
      alpha[k] = rho * s_hist[k].cwiseProduct(mask).dot(q);
      q -= alpha[k] * y_hist[k].cwiseProduct(mask);
    }
    if (!s_hist.empty()) {
      double sy = s_hist.back().cwiseProduct(mask).dot(y_hist.back().cwiseProduct(mask));
      double yy = y_hist.back().cwiseProduct(mask).squaredNorm();
      if (sy > 0 && yy > 0) q *= sy / yy;
    } else {
      q /= std::max(1.0, pg.norm());  // first step: unit length at most
    }
    for (size_t k = 0; k < s_hist.size(); ++k) {
      double rho = 1.0 / y_hist[k].cwiseProduct(mask).dot(s_hist[k].cwiseProduct(mask));
      double beta = rho * y_hist[k].cwiseProduct(mask).dot(q);
      q += s_hist[k].cwiseProduct(mask) * (alpha[k] - beta);
    }
    Eigen::VectorXd d = -q.cwiseProduct(mask);
    if (!d.allFinite() || d.dot(pg) >= 0) {  // not a descent direction: fall back to steepest descent
      d = -pg / std::max(1.0, pg.norm());
      s_hist.clear();
      y_hist.clear();
    }
    // Backtracking (Armijo) along the projected path.
    double t = 1.0, fnew = fx;
    Eigen::VectorXd xnew = x, gnew(x.size());
    bool accepted = false;
    for (int ls = 0; ls < 40; ++ls) {
      xnew = project(x + t * d, lo, hi);
      fnew = f(xnew, gnew);
      if (std::isfinite(fnew) && fnew <= fx + 1e-4 * g.dot(xnew - x)) {
        accepted = true;
        break;
      }
      t *= 0.5;
    }
    if (!accepted) break;
    Eigen::VectorXd s = xnew - x, y = gnew - g;
    if (s.dot(y) > 1e-12 * s.norm() * y.norm()) {
      s_hist.push_back(s);
      y_hist.push_back(y);
      if (static_cast<int>(s_hist.size()) > opt.memory) {
        s_hist.pop_front();
        y_hist.pop_front();
      }
    }
    double decrease = fx - fnew;
    x = xnew;
    g = gnew;
    fx = fnew;
    if (decrease <= opt.relative_decrease * std::max(1.0, std::fabs(fx))) break;
  }
  result.x = x;
  result.value = fx;
  return result;
}

}  // namespace nnlab::tune
