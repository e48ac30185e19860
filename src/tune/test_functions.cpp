#include "nnlab/tune/test_functions.h"

#include <cmath>
#include <numbers>

namespace nnlab::tune {

double branin(double x1, double x2) {
  constexpr double pi = std::numbers::pi;
  const double a = 1, b = 5.1 / (4 * pi * pi), c = 5 / pi, r = 6, s = 10, t = 1 / (8 * pi);
  double u = x2 - b * x1 * x1 + c * x1 - r;
  return a * u * u + s * (1 - t) * std::cos(x1) + s;
}

double hartmann6(std::span<const double, 6> x) {
  static constexpr double alpha[4] = {1.0, 1.2, 3.0, 3.2};
  static constexpr double A[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                     {0.05, 10, 17, 0.1, 8, 14},
                                     {3, 3.5, 1.7, 10, 17, 8},
                                     {17, 8, 0.05, 10, 0.1, 14}};
  static constexpr double P[4][6] = {{0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
                                     {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
                                     {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
                                     {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};
  double sum = 0;
  for (int i = 0; i < 4; ++i) {
    double inner = 0;
    for (int j = 0; j < 6; ++j) inner += A[i][j] * (x[j] - P[i][j]) * (x[j] - P[i][j]);
    sum += alpha[i] * std::exp(-inner);
  }
  return -sum;
}

double rosenbrock(std::span<const double> x) {
  double sum = 0;
  for (size_t i = 0; i + 1 < x.size(); ++i) {
    double u = x[i + 1] - x[i] * x[i];
    sum += 100 * u * u + (1 - x[i]) * (1 - x[i]);
  }
  return sum;
}

double levy(std::span<const double> x) {
  constexpr double pi = std::numbers::pi;
  auto w = [&](size_t i) { return 1 + (x[i] - 1) / 4; };
  double s = std::sin(pi * w(0));
  double sum = s * s;
  for (size_t i = 0; i + 1 < x.size(); ++i) {
    double u = std::sin(pi * w(i) + 1);
    sum += (w(i) - 1) * (w(i) - 1) * (1 + 10 * u * u);
  }
  double last = w(x.size() - 1), v = std::sin(2 * pi * last);
  return sum + (last - 1) * (last - 1) * (1 + v * v);
}

double ackley(std::span<const double> x) {
  constexpr double a = 20, b = 0.2, c = 2 * std::numbers::pi;
  double squares = 0, cosines = 0;
  for (double v : x) {
    squares += v * v;
    cosines += std::cos(c * v);
  }
  const double d = static_cast<double>(x.size());
  return -a * std::exp(-b * std::sqrt(squares / d)) - std::exp(cosines / d) + a + std::numbers::e;
}

double rastrigin(std::span<const double> x) {
  double sum = 10 * static_cast<double>(x.size());
  for (double v : x) sum += v * v - 10 * std::cos(2 * std::numbers::pi * v);
  return sum;
}

}  // namespace nnlab::tune
