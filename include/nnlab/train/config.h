// TrainConfig: everything a training run needs, and nothing else. The CLI fills it from
// flags and --config files; a run directory keeps it as config.json, which reruns the same
// training (`nnlab train --config runs/x/config.json`).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nnlab::train {

struct TrainConfig {
  // Model (see nnlab::zoo::ModelOptions).
  std::string model = "lenet5";
  std::vector<int64_t> hidden{512, 256};
  std::vector<std::string> activation{"relu"};
  float dropout = 0.0f;
  bool bn = false;
  bool binary = false;  // logreg on two classes: one logit, sigmoid and binary cross-entropy

  // Data (see nnlab::data::LoadOptions).
  std::string dataset = "fashion-mnist";
  std::string data_dir;
  bool svhn_extra = false;
  std::string target;       // csv: the label column
  int64_t image_size = 0;   // resize images to this square size (0: keep)
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
  int workers = 1;          // data-loading threads

  // Optimisation.
  // The defaults are nnlab's recipe for LeNet-5 on Fashion-MNIST (measured in the README):
  // AdamW with decoupled weight decay, a cosine schedule, mirrored images, and evaluation of
  // the averaged weights (ema), which pass 90 % test accuracy two epochs before the latest.
  int64_t epochs = 18;
  int64_t batch_size = 64;
  std::string optimizer = "adamw";
  double lr = 2e-3;
  double momentum = 0.9;   // sgd, rmsprop
  bool nesterov = false;
  double weight_decay = 0.05;  // decoupled for adamw, L2 for the others
  bool decay_bias = false;  // apply weight decay to biases and normalisation weights too
  double beta1 = 0.9, beta2 = 0.999;
  double clip_grad_norm = 0.0;  // 0: no clipping
  double label_smoothing = 0.0;
  std::string schedule = "cosine";
  int64_t warmup = 0;           // epochs of linear warm-up
  double gamma = 0.1;           // step, multistep, exponential
  int64_t step_size = 0;        // step (0: a third of the epochs)
  std::vector<int64_t> milestones;  // multistep (empty: 50 % and 75 %)
  double min_lr = 0.0;          // cosine's eta_min, plateau's min_lr
  double max_lr = 0.0;          // onecycle peak (0: lr)
  double pct_start = 0.3;       // onecycle
  int64_t patience = 0;         // plateau: epochs without improvement before a cut
  int64_t early_stopping = 0;   // stop after this many epochs without validation improvement (0: off)
  double ema = 0.999;           // decay of the averaged weights evaluated and saved (0: the latest weights)

  // Run.
  uint64_t seed = 0;
  int threads = 0;  // 0: every core
  bool bf16 = false;  // bfloat16 convolutions (nnlab/precision.h); needs AVX512-BF16
  std::string out;  // run directory (empty: runs/<model>-<dataset>-<time>)

  nlohmann::json to_json() const;
  // Missing keys keep their defaults; unknown keys and wrong types are a ConfigError
  // naming the key.
  static TrainConfig from_json(const nlohmann::json& j);
  // Throws ConfigError naming the option for values out of range or inconsistent.
  void validate() const;
  // Whether training images are mirrored, with "auto" decided by the dataset.
  bool flip_images() const;
};

}  // namespace nnlab::train
