// An exponential moving average of a model's weights (Polyak averaging), which a run
// evaluates and saves instead of the latest weights when --ema is on. At a high learning
// rate the latest weights jitter around a minimum; their average sits closer to it, so the
// averaged model scores what the latest one reaches only after the rate has decayed.
#pragma once

#include <cstdint>
#include <vector>

#include "nnlab/nn/module.h"
#include "nnlab/state_dict.h"

namespace nnlab::train {

class WeightAverage {
 public:
  // Averages every floating-point entry of the model's state dict (parameters and
  // normalisation statistics alike); integer counters are taken as they are.
  WeightAverage(nn::Module& model, double decay);

  // After each optimizer step. The decay ramps up as min(decay, (1 + t) / (10 + t)) over
  // the first updates t, so that the average forgets its random initialisation quickly.
  void update();
  int64_t updates() const { return updates_; }
  // The averages, one per floating-point state entry (what replicas of a distributed run
  // make identical).
  const std::vector<Tensor>& tensors() const { return average_; }

  // While an Applied lives, the model holds the averaged weights; it puts the latest back.
  class Applied {
   public:
    explicit Applied(WeightAverage& owner);
    ~Applied();
    Applied(const Applied&) = delete;
    Applied& operator=(const Applied&) = delete;

   private:
    WeightAverage& owner_;
  };
  Applied apply() { return Applied(*this); }

  // Checkpoint entries ("<prefix><name>"), and their restore (ConfigError naming a missing
  // or mis-shaped entry).
  StateDict state(const std::string& prefix) const;
  void load(const StateDict& entries, const std::string& prefix, int64_t updates);

 private:
  void swap_in_out();

  StateDict live_;                 // the model's own floating-point tensors
  std::vector<Tensor> average_;    // one per entry of live_, in order
  double decay_;
  int64_t updates_ = 0;
};

}  // namespace nnlab::train
