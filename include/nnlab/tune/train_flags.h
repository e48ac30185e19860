// How a trial's parameters become `nnlab train` flags (nnlab tune ... -- <train flags>).
//
// Each parameter has a "flag" in the search space; by default "--" and its name with '_'
// as '-' (lr → --lr, weight_decay → --weight-decay, dropout → --dropout, schedule →
// --schedule). Then:
//   - a boolean categorical (choices true, false) is a switch: bn=true → --bn, false → nothing;
//   - parameters that share a flag give one flag with their values joined by commas, in
//     order: the layer widths width_0..width_{depth-1} of "repeat_for": "depth", whose
//     flag is --hidden by default, give --hidden 128,64;
//   - "flag": null passes the parameter to no flag;
//   - a parameter whose condition does not hold is not passed.
#pragma once

#include <string>
#include <vector>

#include "nnlab/tune/search_space.h"

namespace nnlab::tune {

std::vector<std::string> train_flag_arguments(const SearchSpace& space, const Params& params);

// Throws ConfigError if the user's own train flags set a flag that a parameter sets too.
void check_train_flags(const SearchSpace& space, const std::vector<std::string>& user_flags);

}  // namespace nnlab::tune
