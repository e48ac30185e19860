#include "nnlab/conv_algorithm.h"

#include <atomic>
#include <cstdlib>
#include <string>

#include "nnlab/error.h"

namespace nnlab {

namespace {

ConvAlgorithm from_environment() {
  const char* v = std::getenv("NNLAB_CONV_ALGORITHM");
  if (!v || !*v || std::string(v) == "auto") return ConvAlgorithm::Auto;
  if (std::string(v) == "direct") return ConvAlgorithm::Direct;
  throw ConfigError("NNLAB_CONV_ALGORITHM='" + std::string(v) +
                    "' is not a convolution algorithm: set it to auto or direct, or unset it");
}

// Read by every convolution on every thread of a batch split: an atomic, set rarely.
std::atomic<ConvAlgorithm>& current() {
  static std::atomic<ConvAlgorithm> a{from_environment()};
  return a;
}

}  // namespace

void set_conv_algorithm(ConvAlgorithm a) { current().store(a, std::memory_order_relaxed); }

ConvAlgorithm conv_algorithm() { return current().load(std::memory_order_relaxed); }

}  // namespace nnlab
