#include "experiments/plain_adam.h"

namespace nnlab::experiments {

void use_plain_adam(train::TrainConfig& c) {
  c.optimizer.name = "adam";
  c.optimizer.lr = 1e-3;
  c.optimizer.beta1 = 0.9;
  c.optimizer.beta2 = 0.999;
  c.optimizer.weight_decay = 0.0;
  c.schedule.name = "none";
  c.schedule.warmup = 0;
  c.label_smoothing = 0.0;
  c.clip_grad_norm = 0.0;
  c.crop = 0;
  c.flip = "off";
  c.ema = 0.0;
}

}  // namespace nnlab::experiments
