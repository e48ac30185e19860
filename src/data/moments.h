// Per-channel (images, pixels in [0, 1]) or per-feature mean and population standard
// deviation, shared by normalisation and inspection.
#pragma once

#include <vector>

#include "nnlab/data/dataset.h"

namespace nnlab::data::detail {

struct Moments {
  std::vector<double> mean, std;
};
Moments moments(const Dataset& data);

}  // namespace nnlab::data::detail
