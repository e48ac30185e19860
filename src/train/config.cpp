#include "nnlab/train/config.h"

#include <fmt/format.h>

#include <set>

#include "nnlab/error.h"
#include "nnlab/ops/activation.h"

namespace nnlab::train {

namespace {

// One table of every key, so to_json, from_json and the unknown-key check cannot drift apart.
template <class F>
void for_each_field(TrainConfig& c, F&& f) {
  f("model", c.model);
  f("hidden", c.hidden);
  f("activation", c.activation);
  f("dropout", c.dropout);
  f("bn", c.bn);
  f("binary", c.binary);
  f("dataset", c.dataset);
  f("data_dir", c.data_dir);
  f("svhn_extra", c.svhn_extra);
  f("target", c.target);
  f("image_size", c.image_size);
  f("val_fraction", c.val_fraction);
  f("train_subset", c.train_subset);
  f("test_subset", c.test_subset);
  f("normalize", c.normalize);
  f("crop", c.crop);
  f("flip", c.flip);
  f("workers", c.workers);
  f("epochs", c.epochs);
  f("batch_size", c.batch_size);
  f("optimizer", c.optimizer);
  f("lr", c.lr);
  f("momentum", c.momentum);
  f("nesterov", c.nesterov);
  f("weight_decay", c.weight_decay);
  f("decay_bias", c.decay_bias);
  f("beta1", c.beta1);
  f("beta2", c.beta2);
  f("clip_grad_norm", c.clip_grad_norm);
  f("label_smoothing", c.label_smoothing);
  f("schedule", c.schedule);
  f("warmup", c.warmup);
  f("gamma", c.gamma);
  f("step_size", c.step_size);
  f("milestones", c.milestones);
  f("min_lr", c.min_lr);
  f("max_lr", c.max_lr);
  f("pct_start", c.pct_start);
  f("patience", c.patience);
  f("early_stopping", c.early_stopping);
  f("ema", c.ema);
  f("seed", c.seed);
  f("threads", c.threads);
  f("bf16", c.bf16);
  f("out", c.out);
}

void require(bool ok, const std::string& message) {
  if (!ok) throw ConfigError(message);
}

}  // namespace

nlohmann::json TrainConfig::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  TrainConfig copy = *this;
  for_each_field(copy, [&](const char* key, auto& value) { j[key] = value; });
  return j;
}

TrainConfig TrainConfig::from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw ConfigError("a training configuration must be a JSON object of option: value");
  TrainConfig c;
  std::set<std::string> known;
  for_each_field(c, [&](const char* key, auto& value) {
    known.insert(key);
    if (!j.contains(key)) return;
    try {
      j.at(key).get_to(value);
    } catch (const nlohmann::json::exception&) {
      throw ConfigError(fmt::format("configuration key '{}' has the wrong type: {}", key, j.at(key).dump()));
    }
  });
  for (auto& [key, value] : j.items())
    if (!known.count(key)) throw ConfigError(fmt::format("unknown configuration key '{}'", key));
  return c;
}

void TrainConfig::validate() const {
  require(epochs >= 1, fmt::format("--epochs {} must be at least 1", epochs));
  require(batch_size >= 1, fmt::format("--batch-size {} must be at least 1", batch_size));
  require(lr > 0, fmt::format("--lr {} must be positive", lr));
  require(dropout >= 0 && dropout < 1, fmt::format("--dropout {} must be in [0, 1)", dropout));
  require(val_fraction >= 0 && val_fraction < 1, fmt::format("--val-fraction {} must be in [0, 1)", val_fraction));
  require(weight_decay >= 0, fmt::format("--weight-decay {} must be non-negative", weight_decay));
  require(label_smoothing >= 0 && label_smoothing < 1,
          fmt::format("--label-smoothing {} must be in [0, 1)", label_smoothing));
  require(clip_grad_norm >= 0, fmt::format("--clip-grad-norm {} must be non-negative", clip_grad_norm));
  require(workers >= 0, fmt::format("--workers {} must be non-negative", workers));
  require(threads >= 0, fmt::format("--threads {} must be non-negative", threads));
  require(crop >= 0, fmt::format("--crop {} must be non-negative", crop));
  require(train_subset >= 0, fmt::format("--train-subset {} must be non-negative", train_subset));
  require(test_subset >= 0, fmt::format("--test-subset {} must be non-negative", test_subset));
  require(ema >= 0 && ema < 1, fmt::format("--ema {} must be in [0, 1): 0 is off, 0.999 a typical decay", ema));
  require(early_stopping >= 0, fmt::format("--early-stopping {} must be non-negative", early_stopping));
  require(normalize == "train" || normalize == "published" || normalize == "none",
          fmt::format("--normalize '{}': accepted are train, published, none", normalize));
  for (const std::string& a : activation)
    require(is_activation_name(a),
            fmt::format("--activation '{}': accepted are relu, leaky_relu, sigmoid, tanh, gelu, identity", a));
  require(!early_stopping || val_fraction > 0, "--early-stopping needs a validation split (--val-fraction > 0)");
  require(flip == "auto" || flip == "on" || flip == "off", fmt::format("--flip '{}': accepted are auto, on, off", flip));
}

bool TrainConfig::flip_images() const {
  if (flip != "auto") return flip == "on";
  return dataset == "fashion-mnist" || dataset == "cifar10" || dataset == "cifar100";
}

}  // namespace nnlab::train
