#include "nnlab/nn/init.h"

#include <cmath>

namespace nnlab::nn::init {

void uniform(const Tensor& t, float low, float high, Generator& gen) {
  gen.fill_uniform({t.data(), static_cast<size_t>(t.numel())}, low, high);
  t.bump_version();
}

void normal(const Tensor& t, float mean, float stddev, Generator& gen) {
  gen.fill_normal({t.data(), static_cast<size_t>(t.numel())}, mean, stddev);
  t.bump_version();
}

void constant(const Tensor& t, float value) { t.fill_(value); }

void kaiming_uniform_default(const Tensor& weight, int64_t fan_in, Generator& gen) {
  const float bound = fan_in > 0 ? 1.0f / std::sqrt(static_cast<float>(fan_in)) : 0.0f;
  uniform(weight, -bound, bound, gen);
}

void bias_uniform(const Tensor& bias, int64_t fan_in, Generator& gen) {
  const float bound = fan_in > 0 ? 1.0f / std::sqrt(static_cast<float>(fan_in)) : 0.0f;
  uniform(bias, -bound, bound, gen);
}

}  // namespace nnlab::nn::init
