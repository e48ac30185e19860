#include "nnlab/generator.h"

#include <cmath>
#include <numbers>

namespace nnlab {

// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
// OOPSLA 2014): the state advances by the golden-ratio increment and the output is a
// bijective mix of it, so element `counter` of the stream is computable directly.
uint64_t Generator::mix(uint64_t seed, uint64_t counter) {
  uint64_t z = seed + (counter + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

namespace {

// 24 random bits → a float in [0, 1), exactly representable.
inline float to_unit_float(uint64_t bits) { return static_cast<float>(bits >> 40) * 0x1.0p-24f; }

// Box-Muller from two independent 64-bit draws; (0, 1] for the log.
inline float gaussian(uint64_t a, uint64_t b) {
  double u1 = (static_cast<double>(a >> 11) + 1.0) * 0x1.0p-53;
  double u2 = static_cast<double>(b >> 11) * 0x1.0p-53;
  return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2));
}

}  // namespace

uint64_t Generator::next_u64() { return mix(state_.seed, state_.counter++); }

float Generator::uniform() { return to_unit_float(next_u64()); }

double Generator::uniform_double() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

float Generator::normal() {
  uint64_t a = next_u64();
  uint64_t b = next_u64();
  return gaussian(a, b);
}

uint64_t Generator::below(uint64_t n) {
  if (n <= 1) return 0;
  // Rejection sampling keeps the result exactly uniform.
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do {
    x = next_u64();
  } while (x >= limit);
  return x % n;
}

Generator Generator::fork() { return Generator(next_u64()); }

void Generator::fill_uniform(std::span<float> out, float low, float high) {
  const uint64_t base = state_.counter;
  const int64_t n = static_cast<int64_t>(out.size());
  const float span = high - low;
#pragma omp parallel for schedule(static) if (n > (1 << 16))
  for (int64_t i = 0; i < n; ++i) out[i] = low + span * to_unit_float(mix(state_.seed, base + i));
  state_.counter += n;
}

void Generator::fill_normal(std::span<float> out, float mean, float stddev) {
  const uint64_t base = state_.counter;
  const int64_t n = static_cast<int64_t>(out.size());
#pragma omp parallel for schedule(static) if (n > (1 << 15))
  for (int64_t i = 0; i < n; ++i)
    out[i] = mean + stddev * gaussian(mix(state_.seed, base + 2 * i), mix(state_.seed, base + 2 * i + 1));
  state_.counter += 2 * n;
}

void Generator::fill_bernoulli_mask(std::span<float> out, float keep_prob, float scale) {
  const uint64_t base = state_.counter;
  const int64_t n = static_cast<int64_t>(out.size());
#pragma omp parallel for schedule(static) if (n > (1 << 16))
  for (int64_t i = 0; i < n; ++i) out[i] = to_unit_float(mix(state_.seed, base + i)) < keep_prob ? scale : 0.0f;
  state_.counter += n;
}

}  // namespace nnlab
