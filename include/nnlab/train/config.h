// TrainConfig: everything a training run needs, and nothing else, made of the library's
// own option structs (the model's, the dataset's, the optimizer's, the schedule's) and the
// trainer's options. Its table (table()) is theirs joined with the trainer's: one flat set
// of keys, from which the JSON, the CLI's flags and --help, validation and the tuner's
// parameter names are derived. A run directory keeps it as config.json, which reruns the
// same training (`nnlab train --config runs/x/config.json`).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nnlab/data/datasets.h"
#include "nnlab/option_table.h"
#include "nnlab/optim/make_optimizer.h"
#include "nnlab/optim/make_scheduler.h"
#include "nnlab/zoo/zoo.h"

namespace nnlab::train {

// The defaults are nnlab's recipe for LeNet-5 on Fashion-MNIST (measured in the README):
// AdamW with decoupled weight decay, a cosine schedule, mirrored images, and evaluation of
// the averaged weights (ema), which pass 90 % test accuracy two epochs before the latest.
optim::OptimizerConfig recipe_optimizer();
optim::ScheduleConfig recipe_schedule();

struct TrainConfig {
  zoo::ModelOptions model;  // input, classes and seed are the data's and the run's
  data::LoadOptions data{.name = "fashion-mnist"};

  // How the data are split, normalised and augmented.
  double val_fraction = 0.1;  // stratified, seeded split of the training set for validation
  int64_t train_subset = 0;   // keep a stratified subset of this many training samples (0: all)
  int64_t test_subset = 0;    // evaluate on a stratified subset of this many test samples (0: all); the
                              // same samples whatever the seed, so runs stay comparable
  std::string normalize = "train";  // train (statistics of the training split), published, none
  int64_t crop = 0;         // random crop padding (augmentation), pixels
  // Random horizontal flip (augmentation): on, off, or auto, which mirrors images of the
  // datasets whose classes are mirror-symmetric (fashion-mnist, cifar10, cifar100) and
  // never digits (a mirrored 2 is no 2) or tables.
  std::string flip = "auto";
  // Test-time augmentation: evaluation scores each image by the mean of its logits and its
  // mirror's (on, off, or auto: on when training mirrors images, for then the model has
  // learned both views).
  std::string eval_flip = "auto";
  int workers = 1;          // data-loading threads
  // Under mpirun: the longest a rank waits in one collective for the others, in seconds.
  double dist_timeout = 60.0;
  // Under mpirun: the gradient all-reduce's bucket size in MB (PyTorch DDP's bucket_cap_mb).
  double bucket_mb = 25.0;
  // Under mpirun: batch norm with the statistics of the whole global batch (SyncBatchNorm).
  bool sync_bn = false;

  // Optimisation.
  int64_t epochs = 18;
  int64_t batch_size = 64;
  optim::OptimizerConfig optimizer = recipe_optimizer();  // options it has no use for are dropped
  bool decay_bias = false;  // apply weight decay to biases and normalisation weights too
  double clip_grad_norm = 0.0;  // 0: no clipping
  double label_smoothing = 0.0;
  optim::ScheduleConfig schedule = recipe_schedule();  // epochs and steps_per_epoch are the trainer's
  int64_t early_stopping = 0;   // stop after this many epochs without validation improvement (0: off)
  double ema = 0.999;           // decay of the averaged weights evaluated and saved (0: the latest weights)

  // Run.
  uint64_t seed = 0;
  int threads = 0;  // 0: every core
  // In-process data parallelism: model replicas, each on its own thread (1: off).
  int64_t replicas = 1;
  bool bf16 = false;  // bfloat16 convolutions (nnlab/precision.h); needs AVX512-BF16
  std::string out;  // run directory (empty: runs/<model>-<dataset>-<time>)
  int64_t log_steps = 0;  // append a line to steps.jsonl every this many steps (0: off)

  // Every key, in the groups model, data, optimization and run.
  static const OptionTable<TrainConfig>& table();

  nlohmann::json to_json() const;
  // Missing keys keep their defaults; unknown keys and wrong types are a ConfigError
  // naming the key.
  static TrainConfig from_json(const nlohmann::json& j);
  // Throws ConfigError naming the key for values out of range or inconsistent.
  void validate() const;
  // Whether training images are mirrored, with "auto" decided by the dataset.
  bool flip_images() const;
  // Whether evaluation averages each image's logits with its mirror's, "auto" decided by flip.
  bool eval_flip_images() const;
};

}  // namespace nnlab::train
