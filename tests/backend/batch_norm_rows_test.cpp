// The channels-last batch norm against a direct double-precision computation, at channel
// counts whose rows the kernels take several at a time (16 and 48 channels, with a last
// chunk of fewer rows) and one row at a time (256, 512), at every thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "backend/cpu/batch_norm_nhwc.h"
#include "nnlab/backend.h"
#include "nnlab/generator.h"

namespace {

using nnlab::cpu::BnRows;

struct Reference {
  std::vector<double> y, dx, dgamma, dbeta, mean;
};

Reference reference(const BnRows& g, const std::vector<float>& x, const std::vector<float>& dy,
                    const std::vector<float>& gamma, const std::vector<float>& beta) {
  const int64_t R = g.rows, C = g.c;
  Reference r{std::vector<double>(R * C), std::vector<double>(R * C), std::vector<double>(C), std::vector<double>(C),
              std::vector<double>(C)};
  for (int64_t c = 0; c < C; ++c) {
    double mu = 0, var = 0;
    for (int64_t i = 0; i < R; ++i) mu += x[i * C + c];
    mu /= static_cast<double>(R);
    for (int64_t i = 0; i < R; ++i) var += (x[i * C + c] - mu) * (x[i * C + c] - mu);
    var /= static_cast<double>(R);
    const double inv = 1 / std::sqrt(var + g.eps);
    double sd = 0, sdx = 0;
    std::vector<double> d(R);
    for (int64_t i = 0; i < R; ++i) {
      r.y[i * C + c] = std::max(0.0, (x[i * C + c] - mu) * inv * gamma[c] + beta[c]);
      d[i] = r.y[i * C + c] > 0 ? dy[i * C + c] : 0.0;  // the fused ReLU's mask
      sd += d[i];
      sdx += d[i] * (x[i * C + c] - mu);
    }
    r.mean[c] = mu;
    r.dbeta[c] = sd;
    r.dgamma[c] = sdx * inv;
    for (int64_t i = 0; i < R; ++i)
      r.dx[i * C + c] = gamma[c] * inv * (d[i] - sd / R - (x[i * C + c] - mu) * inv * inv * sdx / R);
  }
  return r;
}

void expect_near(const std::vector<float>& got, const std::vector<double>& want, double tol, const char* what,
                 const BnRows& g, int threads) {
  double worst = 0;
  for (size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::abs(got[i] - want[i]));
  EXPECT_LT(worst, tol) << what << " at " << g.rows << " rows of " << g.c << " channels, " << threads << " threads";
}

}  // namespace

TEST(BatchNormRows, MatchesADirectComputation) {
  for (const BnRows g : {BnRows{4096, 16, 1e-5f}, BnRows{1001, 48, 1e-5f}, BnRows{37, 21, 1e-5f},
                         BnRows{256, 256, 1e-5f}, BnRows{5, 512, 1e-5f}}) {
    nnlab::Generator gen(11);
    std::vector<float> x(g.rows * g.c), dy(x.size()), gamma(g.c), beta(g.c);
    for (auto& v : x) v = gen.uniform() * 4 - 1;
    for (auto& v : dy) v = gen.uniform() * 2 - 1;
    for (auto& v : gamma) v = gen.uniform() + 0.5f;
    for (auto& v : beta) v = gen.uniform() - 0.5f;
    const Reference want = reference(g, x, dy, gamma, beta);
    for (int threads : {1, 2, 3}) {
      nnlab::set_num_threads(threads);
      std::vector<float> y(x.size()), dx(x.size()), mean(g.c), var(g.c), dgamma(g.c), dbeta(g.c);
      nnlab::cpu::bn_rows_forward_training(g, x.data(), gamma.data(), beta.data(), y.data(), mean.data(), var.data(),
                                           true);
      nnlab::cpu::bn_rows_backward(g, x.data(), dy.data(), y.data(), gamma.data(), mean.data(), var.data(), dx.data(),
                                   dgamma.data(), dbeta.data(), true);
      nnlab::set_num_threads(0);
      expect_near(mean, want.mean, 1e-6, "mean", g, threads);
      expect_near(y, want.y, 1e-5, "output", g, threads);
      expect_near(dx, want.dx, 1e-5, "input gradient", g, threads);
      // Sums over up to 4096 rows of unit-scale terms.
      expect_near(dgamma, want.dgamma, 1e-5 * std::sqrt(double(g.rows)) * 4, "gamma gradient", g, threads);
      expect_near(dbeta, want.dbeta, 1e-5 * std::sqrt(double(g.rows)) * 4, "beta gradient", g, threads);
    }
  }
}
