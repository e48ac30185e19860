#include "nnlab/train/config.h"

#include <fmt/format.h>

#include "nnlab/error.h"
#include "nnlab/zoo/zoo.h"

namespace nnlab::train {

optim::OptimizerConfig recipe_optimizer() {
  return {.name = "adamw", .lr = 3e-3, .weight_decay = 0.05, .momentum = 0.9, .beta1 = 0.9, .beta2 = 0.999, .eps = std::nullopt};
}

optim::ScheduleConfig recipe_schedule() {
  optim::ScheduleConfig s;
  s.name = "cosine";
  s.gamma = 0.1;
  s.plateau.patience(0);
  return s;
}

const OptionTable<TrainConfig>& TrainConfig::table() {
  using C = TrainConfig;
  static const OptionTable<C> t =
      OptionTable<C>()
          .group("model")
          .add_all(&C::model, zoo::ModelOptions::table())
          .group("data")
          .add_all(&C::data, data::LoadOptions::table())
          .add("val_fraction", &C::val_fraction, "Fraction of the training set held out for validation",
               in_half_open(0, 1))
          .add("train_subset", &C::train_subset, "Train on a stratified subset of this many images (0: all)",
               non_negative())
          .add("test_subset", &C::test_subset,
               "Evaluate on a stratified subset of this many test images, the same for every seed (0: all)",
               non_negative())
          .add("normalize", &C::normalize, "Normalisation: train (training-split statistics), published, none",
               one_of({"train", "published", "none"}))
          .add("crop", &C::crop, "Augmentation: random crop with this much zero padding", non_negative())
          .add("flip", &C::flip,
               "Augmentation: random horizontal flip: on, off, or auto (on for fashion-mnist, cifar10, cifar100)",
               one_of({"auto", "on", "off"}))
          .add("eval_flip", &C::eval_flip,
               "Test-time augmentation: score each evaluated image by the mean of its and its mirror's logits: on, "
               "off, or auto (on when training mirrors images)",
               one_of({"auto", "on", "off"}))
          .add("workers", &C::workers, "Data-loading threads (0: load on the training thread)", non_negative())
          .add("dist_timeout", &C::dist_timeout,
               "Under mpirun: seconds a rank waits for the others in one exchange before it stops the job (a rank "
               "hung, stopped or cut off)",
               positive())
          .add("bucket_mb", &C::bucket_mb,
               "Under mpirun: the size of the gradient buckets sent during backward, in MB (the first is at most 1 MB, "
               "so that sending starts early)",
               positive())
          .add("sync_bn", &C::sync_bn,
               "Under mpirun: batch norm with the statistics of the whole global batch, summed over the ranks "
               "(SyncBatchNorm)")
          .group("optimization")
          .add("epochs", &C::epochs, "Epochs", at_least(1))
          .add("batch_size", &C::batch_size, "Batch size", at_least(1))
          .add_all(&C::optimizer, optim::OptimizerConfig::table())
          .add("decay_bias", &C::decay_bias, "Also decay biases and normalisation weights")
          .add("clip_grad_norm", &C::clip_grad_norm, "Clip the gradients' global norm to this (0: off)",
               non_negative())
          .add("label_smoothing", &C::label_smoothing, "Label smoothing of the cross-entropy target",
               in_half_open(0, 1))
          .add_all(&C::schedule, optim::ScheduleConfig::table())
          .add("early_stopping", &C::early_stopping, "Stop after this many epochs without validation gain (0: off)",
               non_negative())
          .add("ema", &C::ema,
               "Evaluate and save an exponential moving average of the weights with this decay per step (0: off)",
               in_half_open(0, 1).with_note("0 is off, 0.999 a typical decay"))
          .group("run")
          .add("seed", &C::seed, "Seed of initialisation, shuffling, augmentation and dropout")
          .add("threads", &C::threads, "Compute threads (0: every core)", non_negative())
          .add("replicas", &C::replicas,
               "Train this many replicas of the model, each on its own thread with one compute thread and its share "
               "of every batch, their gradients added once per step (1: off; for small models on few cores, faster "
               "than splitting each op over the threads)",
               at_least(1))
          .add("bf16", &C::bf16, "Stride-1 convolutions in bfloat16 (AVX512-BF16), everything else float32")
          .add("out", &C::out, "Run directory (default runs/<model>-<dataset>-<time>)")
          .add("log_steps", &C::log_steps,
               "Append the step's loss (averaged over the ranks) and lr to steps.jsonl every this many steps (0: off)",
               non_negative());
  return t;
}

nlohmann::json TrainConfig::to_json() const { return table().to_json(*this); }

TrainConfig TrainConfig::from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw ConfigError("a training configuration must be a JSON object of option: value");
  TrainConfig c;
  table().from_json(j, c);
  return c;
}

void TrainConfig::validate() const {
  table().validate(*this);
  zoo::model_info(model.name);  // an unknown model is refused before anything is written
  // A floor above the rate would make the schedule raise it (make_scheduler checks the
  // optimizer's default rate too, once it is known).
  if ((schedule.name == "cosine" || schedule.name == "plateau") && optimizer.lr && schedule.eta_min >= *optimizer.lr)
    throw ConfigError(fmt::format("`min_lr` {} must be below the learning rate `lr` {}", schedule.eta_min,
                                  *optimizer.lr));
  if (early_stopping && !(val_fraction > 0))
    throw ConfigError("`early_stopping` needs a validation split (`val_fraction` > 0)");
}

bool TrainConfig::flip_images() const {
  if (flip != "auto") return flip == "on";
  return data.name == "fashion-mnist" || data.name == "cifar10" || data.name == "cifar100";
}

bool TrainConfig::eval_flip_images() const {
  if (eval_flip != "auto") return eval_flip == "on";
  return flip_images();
}

}  // namespace nnlab::train
