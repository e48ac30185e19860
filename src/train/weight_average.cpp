#include "nnlab/train/weight_average.h"

#include <fmt/format.h>

#include <algorithm>

#include "backend/cpu/elementwise.h"
#include "nnlab/error.h"

namespace nnlab::train {

WeightAverage::WeightAverage(nn::Module& model, double decay) : decay_(decay) {
  if (!(decay > 0 && decay < 1)) throw ConfigError(fmt::format("`ema` {} must be in (0, 1), e.g. 0.999", decay));
  for (StateEntry& e : model.state_dict()) {
    if (e.integer) continue;
    average_.push_back(e.tensor.clone());
    live_.push_back(std::move(e));
  }
}

void WeightAverage::update() {
  ++updates_;
  const double t = static_cast<double>(updates_);
  const float keep = static_cast<float>(std::min(decay_, (1 + t) / (10 + t)));
  for (size_t k = 0; k < live_.size(); ++k) {
    const Tensor& w = live_[k].tensor;
    const float* src = w.data();
    float* avg = average_[k].data();
    const int64_t n = w.numel();
    cpu::moving_average(avg, src, keep, n);
  }
}

// Exchanges the model's tensors with the averages through one spare buffer per tensor;
// copy_ bumps each weight's version, so that no kernel reuses a stale reordered copy.
void WeightAverage::swap_in_out() {
  for (size_t k = 0; k < live_.size(); ++k) {
    const Tensor& w = live_[k].tensor;
    Tensor latest = w.clone();
    w.copy_(average_[k]);
    average_[k] = latest;
  }
}

WeightAverage::Applied::Applied(WeightAverage& owner) : owner_(owner) { owner_.swap_in_out(); }

WeightAverage::Applied::~Applied() { owner_.swap_in_out(); }

StateDict WeightAverage::state(const std::string& prefix) const {
  StateDict out;
  for (size_t k = 0; k < live_.size(); ++k) out.push_back({prefix + live_[k].name, average_[k], false});
  return out;
}

void WeightAverage::load(const StateDict& entries, const std::string& prefix, int64_t updates) {
  for (size_t k = 0; k < live_.size(); ++k) {
    const std::string name = prefix + live_[k].name;
    const StateEntry* e = find_entry(entries, name);
    if (!e) throw ConfigError(fmt::format("the checkpoint has no averaged weights '{}' (`ema`)", name));
    if (e->tensor.shape() != average_[k].shape())
      throw ConfigError(fmt::format("the averaged weights '{}' have shape {}, the model {}", name,
                                    shape_str(e->tensor.shape()), shape_str(average_[k].shape())));
    average_[k].copy_(e->tensor);
  }
  updates_ = updates;
}

}  // namespace nnlab::train
