// The training recipe the CNN and MLP experiments hold fixed and state in their reports:
// Adam at 1e-3, no weight decay, no schedule, no augmentation. Set field by field, so a
// change of `nnlab train`'s defaults never changes what an experiment measures.
#pragma once

#include "nnlab/train/config.h"

namespace nnlab::experiments {

void use_plain_adam(train::TrainConfig& c);

}  // namespace nnlab::experiments
