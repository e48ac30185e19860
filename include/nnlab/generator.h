// Generator: nnlab's seeded random numbers. Counter-based (SplitMix64 over a Weyl
// sequence), so the i-th number of a bulk fill depends only on the seed and the position:
// the same seed gives the same numbers whatever the thread count, and the state is two
// integers that a checkpoint stores.
#pragma once

#include <cstdint>
#include <span>

namespace nnlab {

class Generator {
 public:
  struct State {
    uint64_t seed = 0;
    uint64_t counter = 0;
  };

  explicit Generator(uint64_t seed = 0) : state_{seed, 0} {}

  void manual_seed(uint64_t seed) { state_ = {seed, 0}; }
  uint64_t seed() const { return state_.seed; }
  State state() const { return state_; }
  void set_state(State s) { state_ = s; }

  uint64_t next_u64();
  float uniform();                  // [0, 1)
  double uniform_double();          // [0, 1)
  float normal();                   // mean 0, std 1
  uint64_t below(uint64_t n);       // uniform integer in [0, n)
  Generator fork();                 // an independent stream, seeded from this one

  // Bulk fills: element i uses counter values at fixed offsets, so any thread split of
  // the range produces the same result.
  void fill_uniform(std::span<float> out, float low, float high);
  void fill_normal(std::span<float> out, float mean, float stddev);
  void fill_bernoulli_mask(std::span<float> out, float keep_prob, float scale);

  // A random permutation of 0..n-1 (Fisher-Yates).
  template <class Int>
  void shuffle(std::span<Int> values) {
    for (size_t i = values.size(); i > 1; --i) {
      size_t j = static_cast<size_t>(below(i));
      Int t = values[i - 1];
      values[i - 1] = values[j];
      values[j] = t;
    }
  }

  static uint64_t mix(uint64_t seed, uint64_t counter);  // the counter-based core

 private:
  State state_;
};

}  // namespace nnlab
