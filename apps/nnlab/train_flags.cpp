#include "train_flags.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "command.h"
#include "nnlab/error.h"
#include "nnlab/io/atomic_file.h"

namespace nnlab::cli {

template <class T>
void TrainFlags::add(CLI::App& verb, const std::string& name, T train::TrainConfig::*field, const std::string& help) {
  const train::TrainConfig defaults;
  CLI::Option* opt;
  if constexpr (std::is_same_v<T, bool>) {
    opt = verb.add_flag("--" + name, parsed_.*field, help);
  } else {
    opt = verb.add_option("--" + name, parsed_.*field, help);
    if constexpr (std::is_same_v<T, std::vector<int64_t>> || std::is_same_v<T, std::vector<std::string>>) {
      opt->delimiter(',');
      opt->default_str(fmt::format("{}", fmt::join(defaults.*field, ",")));
    } else {
      opt->default_str(fmt::format("{}", defaults.*field));
    }
  }
  flags_.push_back({opt, [field](train::TrainConfig& dst, const train::TrainConfig& src) { dst.*field = src.*field; }});
}

TrainFlags::TrainFlags(CLI::App& verb, int groups) {
  using C = train::TrainConfig;
  if (groups & Model) {
    add(verb, "model", &C::model, "Zoo model: logreg, mlp, lenet5, alexnet, vgg11, vgg16, resnet20, resnet18");
    add(verb, "hidden", &C::hidden, "mlp: hidden widths, e.g. 512,256");
    add(verb, "activation", &C::activation,
        "mlp: one activation for all layers or one per layer (relu, leaky_relu, sigmoid, tanh, gelu, identity)");
    add(verb, "dropout", &C::dropout, "mlp: dropout probability after each hidden layer");
    add(verb, "bn", &C::bn, "mlp: batch norm after each hidden activation");
    add(verb, "binary", &C::binary, "logreg on two classes: one logit with sigmoid and binary cross-entropy");
  }
  if (groups & Data) {
    add(verb, "dataset", &C::dataset,
        "mnist, fashion-mnist, cifar10, cifar100, svhn, breast-cancer, iris, wine, digits, csv:PATH, folder:PATH");
    add(verb, "data-dir", &C::data_dir, "Directory searched first for the dataset's files");
    add(verb, "svhn-extra", &C::svhn_extra, "svhn: add extra_32x32.mat to the training set");
    add(verb, "target", &C::target, "csv: the label column (name or index; default the last)");
    add(verb, "image-size", &C::image_size, "Resize images to this square size (0: keep)");
    add(verb, "val-fraction", &C::val_fraction, "Fraction of the training set held out for validation");
    add(verb, "train-subset", &C::train_subset, "Train on a stratified subset of this many images (0: all)");
    add(verb, "test-subset", &C::test_subset,
        "Evaluate on a stratified subset of this many test images, the same for every seed (0: all)");
    add(verb, "normalize", &C::normalize, "Normalisation: train (training-split statistics), published, none");
    add(verb, "crop", &C::crop, "Augmentation: random crop with this much zero padding");
    add(verb, "flip", &C::flip,
        "Augmentation: random horizontal flip: on, off, or auto (on for fashion-mnist, cifar10, cifar100)");
    verb.add_option("--augment", augment_,
                    "Augmentation in one flag: none, or a list of crop (padding 4) and flip; --crop and --flip win")
        ->delimiter(',')
        ->check(CLI::IsMember({"none", "crop", "flip"}));
    add(verb, "workers", &C::workers, "Data-loading threads (0: load on the training thread)");
  }
  if (groups & Optimization) {
    add(verb, "epochs", &C::epochs, "Epochs");
    add(verb, "batch-size", &C::batch_size, "Batch size");
    add(verb, "optimizer", &C::optimizer, "sgd, adam, adamw, rmsprop, adagrad");
    add(verb, "lr", &C::lr, "Learning rate (the peak for onecycle unless --max-lr)");
    add(verb, "momentum", &C::momentum, "sgd, rmsprop: momentum");
    add(verb, "nesterov", &C::nesterov, "sgd: Nesterov momentum");
    add(verb, "weight-decay", &C::weight_decay, "Weight decay (decoupled for adamw, L2 for the others)");
    add(verb, "decay-bias", &C::decay_bias, "Also decay biases and normalisation weights");
    add(verb, "beta1", &C::beta1, "adam, adamw: first-moment decay");
    add(verb, "beta2", &C::beta2, "adam, adamw: second-moment decay");
    add(verb, "clip-grad-norm", &C::clip_grad_norm, "Clip the gradients' global norm to this (0: off)");
    add(verb, "label-smoothing", &C::label_smoothing, "Label smoothing of the cross-entropy target");
    add(verb, "schedule", &C::schedule, "LR schedule: none, step, multistep, exponential, cosine, onecycle, plateau");
    add(verb, "warmup", &C::warmup, "Epochs of linear warm-up before the schedule");
    add(verb, "gamma", &C::gamma, "step, multistep, exponential, plateau: the LR factor");
    add(verb, "step-size", &C::step_size, "step: epochs between cuts (0: a third of the run)");
    add(verb, "milestones", &C::milestones, "multistep: epochs of the cuts, e.g. 30,40 (default 50% and 75%)");
    add(verb, "min-lr", &C::min_lr, "cosine, plateau: the lowest LR");
    add(verb, "max-lr", &C::max_lr, "onecycle: the peak LR (0: --lr)");
    add(verb, "pct-start", &C::pct_start, "onecycle: fraction of the steps spent rising");
    add(verb, "patience", &C::patience, "plateau: epochs without improvement before a cut");
    add(verb, "early-stopping", &C::early_stopping, "Stop after this many epochs without validation gain (0: off)");
    add(verb, "ema", &C::ema,
        "Evaluate and save an exponential moving average of the weights with this decay per step (0: off)");
  }
  if (groups & Run) {
    add(verb, "seed", &C::seed, "Seed of initialisation, shuffling, augmentation and dropout");
    add(verb, "threads", &C::threads, "Compute threads (0: every core)");
    add(verb, "bf16", &C::bf16, "Stride-1 convolutions in bfloat16 (AVX512-BF16), everything else float32");
    add(verb, "out", &C::out, "Run directory (default runs/<model>-<dataset>-<time>)");
  }
  verb.add_option("--config", config_file_, "A JSON object of these options (keys as flags, with _ for -)")
      ->check(CLI::ExistingFile);
}

train::TrainConfig TrainFlags::resolve() const {
  train::TrainConfig config;
  if (!config_file_.empty()) {
    try {
      config = train::TrainConfig::from_json(nlohmann::json::parse(io::read_file(config_file_)));
    } catch (const nlohmann::json::exception& e) {
      throw ConfigError(fmt::format("{}: not valid JSON ({})", config_file_, e.what()));
    } catch (const ConfigError& e) {
      throw ConfigError(fmt::format("{}: {}", config_file_, e.what()));
    }
  }
  return resolve(config);
}

train::TrainConfig TrainFlags::resolve(train::TrainConfig base) const {
  if (!augment_.empty()) {
    auto named = [&](const char* what) { return std::find(augment_.begin(), augment_.end(), what) != augment_.end(); };
    if (named("none") && augment_.size() > 1)
      usage_error(fmt::format("--augment {}: 'none' cannot be combined with crop or flip",
                                   fmt::join(augment_, ",")));
    base.crop = named("crop") ? 4 : 0;
    base.flip = named("flip") ? "on" : "off";
  }
  for (const Flag& f : flags_)
    if (f.option->count() > 0) f.copy(base, parsed_);
  return base;
}

}  // namespace nnlab::cli
