// Splits named parameters into the two groups of the usual weight-decay recipe: decay on
// weight matrices and kernels, none on biases and on normalisation scales and shifts
// (which are 1-D): the "no bias decay" of He et al. 2019, "Bag of tricks for image
// classification", section 3.1.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "nnlab/optim/optimizer.h"

namespace nnlab::optim {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Whether a parameter is exempt from weight decay: a tensor of at most one dimension, or
// one whose name ends in "bias".
bool exempt_from_weight_decay(const std::string& name, const Tensor& param);

// Two groups, in this order, both always present (possibly empty) so that group indices
// are stable across models: [0] parameters that decay, with weight_decay unset (they take
// the optimizer's option), and [1] the exempt ones, with weight_decay = 0.
std::vector<ParamGroup> weight_decay_groups(const NamedTensors& named_params);

}  // namespace nnlab::optim
