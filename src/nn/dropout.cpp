#include "nnlab/nn/dropout.h"

#include <fmt/format.h>

#include "nnlab/error.h"
#include "nnlab/ops/activation.h"

namespace nnlab::nn {

Dropout::Dropout(float prob, uint64_t seed) : p(prob), gen_(seed) {
  if (!(p >= 0.0f && p < 1.0f))
    throw ConfigError(fmt::format("dropout probability {} is out of range: it must be in [0, 1)", p));
  register_generator("rng", &gen_);
}

Tensor Dropout::forward(const Tensor& x) { return dropout(x, p, is_training(), gen_); }

std::string Dropout::extra_repr() const { return fmt::format("p={}, inplace=False", p); }

}  // namespace nnlab::nn
