// A state dict: named tensors in a fixed order, as PyTorch's module.state_dict() gives them.
// Integer buffers (BatchNorm's num_batches_tracked) are held as float but stored as int64.
#pragma once

#include <string>
#include <vector>

#include "nnlab/tensor.h"

namespace nnlab {

struct StateEntry {
  std::string name;
  Tensor tensor;
  bool integer = false;
};

using StateDict = std::vector<StateEntry>;

const StateEntry* find_entry(const StateDict& dict, const std::string& name);

}  // namespace nnlab
