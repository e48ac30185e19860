// TrainConfig: JSON round trip, the keys, unknown keys, validation, and the dataset-aware flip.
#include <gtest/gtest.h>

#include "nnlab/error.h"
#include "nnlab/optim/adam.h"
#include "nnlab/train/config.h"

using nnlab::ConfigError;
using nnlab::train::TrainConfig;

namespace {

TEST(TrainConfig, JsonRoundTripKeepsEveryKey) {
  TrainConfig c;
  c.model.name = "mlp";
  c.model.hidden = {32, 16};
  c.model.activations = {"tanh", "relu"};
  c.model.dropout = 0.1f;
  c.schedule.milestones = {3, 6};
  c.schedule.one_cycle.pct_start(0.25);
  c.optimizer.lr = 0.125;
  c.data.data_dir = "/tmp/d";
  c.seed = 42;
  TrainConfig back = TrainConfig::from_json(c.to_json());
  EXPECT_EQ(back.to_json(), c.to_json());
  EXPECT_EQ(back.model.hidden, (std::vector<int64_t>{32, 16}));
  EXPECT_EQ(back.model.dropout, 0.1f);
  EXPECT_EQ(back.schedule.one_cycle.pct_start(), 0.25);
  EXPECT_EQ(back.data.data_dir, "/tmp/d");
  EXPECT_EQ(back.optimizer.lr, 0.125);
}

// The keys of config.json that run directories of earlier versions hold: each is still read
// and written.
TEST(TrainConfig, KeysOfEarlierVersionsRemain) {
  const nlohmann::json j = TrainConfig().to_json();
  const std::vector<std::string> earlier{
      "activation", "batch_size", "beta1", "beta2", "bf16", "binary", "bn", "clip_grad_norm", "crop",
      "data_dir", "dataset", "decay_bias", "dropout", "early_stopping", "ema", "epochs", "flip", "gamma",
      "hidden", "image_size", "label_smoothing", "lr", "max_lr", "milestones", "min_lr", "model", "momentum",
      "nesterov", "normalize", "optimizer", "out", "patience", "pct_start", "schedule", "seed", "step_size",
      "svhn_extra", "target", "test_subset", "threads", "train_subset", "val_fraction", "warmup",
      "weight_decay", "workers"};
  for (const std::string& key : earlier) EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_NO_THROW(TrainConfig::from_json(j));
}

// A key set in JSON reaches the library struct the trainer hands it to.
TEST(TrainConfig, KeysReachTheLibraryOptionStructs) {
  TrainConfig c = TrainConfig::from_json(
      {{"bn", true}, {"min_lr", 1e-5}, {"gamma", 0.5}, {"patience", 3}, {"max_lr", 0.1}, {"step_size", 0}});
  EXPECT_TRUE(c.model.batch_norm);
  EXPECT_EQ(c.schedule.eta_min, 1e-5);
  EXPECT_EQ(c.schedule.plateau.min_lr(), 1e-5);
  EXPECT_EQ(c.schedule.plateau.factor(), 0.5);
  EXPECT_EQ(c.schedule.plateau.patience(), 3);
  EXPECT_EQ(c.schedule.one_cycle.max_lr(), 0.1);
  EXPECT_FALSE(c.schedule.step_size.has_value()) << "0: a third of the run";
  EXPECT_EQ(TrainConfig().to_json()["max_lr"], 0.0) << "unset: the optimizer's lr, written 0 as before";
}

// The recipe keeps momentum for whichever optimizer it names; the ones without it drop it.
TEST(TrainConfig, OptionsTheOptimizerHasNoUseForAreDropped) {
  nnlab::optim::OptimizerConfig adamw = nnlab::optim::applicable_options(TrainConfig().optimizer);
  EXPECT_FALSE(adamw.momentum.has_value());
  EXPECT_EQ(adamw.beta1, 0.9);
  TrainConfig c;
  c.optimizer.name = "sgd";
  c.optimizer.nesterov = true;
  nnlab::optim::OptimizerConfig sgd = nnlab::optim::applicable_options(c.optimizer);
  EXPECT_EQ(sgd.momentum, 0.9);
  EXPECT_TRUE(sgd.nesterov);
  EXPECT_FALSE(sgd.beta1.has_value());
}

TEST(TrainConfig, UnknownKeysAndWrongTypesAreErrorsNamingTheKey) {
  try {
    TrainConfig::from_json({{"epochz", 3}});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'epochz'"), std::string::npos);
  }
  try {
    TrainConfig::from_json({{"epochs", "three"}});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'epochs'"), std::string::npos);
  }
}

std::string validation_error(const TrainConfig& c) {
  try {
    c.validate();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(TrainConfig, ValidationNamesTheKey) {
  TrainConfig c;
  c.batch_size = 0;
  EXPECT_EQ(validation_error(c), "`batch_size` 0 must be at least 1");
  c = TrainConfig();
  c.flip = "sideways";
  EXPECT_EQ(validation_error(c), "`flip` 'sideways': accepted are auto, on, off");
  c = TrainConfig();
  c.model.activations = {"relu", "swish"};
  EXPECT_NE(validation_error(c).find("`activation` 'swish': accepted are relu,"), std::string::npos);
  c = TrainConfig();
  c.model.dropout = 1.5f;
  EXPECT_EQ(validation_error(c), "`dropout` 1.5 must be in [0, 1)");
  c = TrainConfig();
  c.optimizer.lr = 0;
  EXPECT_EQ(validation_error(c), "`lr` 0 must be positive");
  c = TrainConfig();
  c.ema = 1;
  EXPECT_EQ(validation_error(c), "`ema` 1 must be in [0, 1): 0 is off, 0.999 a typical decay");
  c = TrainConfig();
  c.early_stopping = 3;
  c.val_fraction = 0;
  EXPECT_THROW(c.validate(), ConfigError);
  EXPECT_NO_THROW(TrainConfig().validate());
}

TEST(TrainConfig, AutoFlipMirrorsOnlyMirrorSymmetricDatasets) {
  TrainConfig c;
  for (const char* d : {"fashion-mnist", "cifar10", "cifar100"}) {
    c.data.name = d;
    EXPECT_TRUE(c.flip_images()) << d;
  }
  for (const char* d : {"mnist", "svhn", "breast-cancer", "digits", "csv:/tmp/t.csv"}) {
    c.data.name = d;
    EXPECT_FALSE(c.flip_images()) << d;
  }
  c.flip = "on";
  EXPECT_TRUE(c.flip_images());
  c.data.name = "fashion-mnist";
  c.flip = "off";
  EXPECT_FALSE(c.flip_images());
}

TEST(TrainConfig, AutoEvalFlipFollowsTrainingFlips) {
  TrainConfig c;
  EXPECT_TRUE(c.eval_flip_images());  // fashion-mnist, mirrored in training
  c.data.name = "svhn";
  EXPECT_FALSE(c.eval_flip_images());
  c.flip = "on";
  EXPECT_TRUE(c.eval_flip_images());
  c.eval_flip = "off";
  EXPECT_FALSE(c.eval_flip_images());
  c.flip = "off";
  c.eval_flip = "on";
  EXPECT_TRUE(c.eval_flip_images());
  c.eval_flip = "sometimes";
  EXPECT_THROW(c.validate(), ConfigError);
}

}  // namespace

namespace {

// eps, an option added by one table entry, reaches Adam from JSON, and an unset one is not
// written (a default config.json stays as it was).
TEST(TrainConfig, EpsReachesAdamAndUnsetIsNotWritten) {
  EXPECT_FALSE(TrainConfig().to_json().contains("eps"));
  TrainConfig c = TrainConfig::from_json({{"optimizer", "adam"}, {"eps", 1e-6}});
  EXPECT_EQ(c.to_json()["eps"], 1e-6);
  std::vector<nnlab::Tensor> params{nnlab::Tensor::zeros({2})};
  auto opt = nnlab::optim::make_optimizer({{params}}, nnlab::optim::applicable_options(c.optimizer));
  EXPECT_EQ(dynamic_cast<nnlab::optim::Adam&>(*opt).options(0).eps(), 1e-6);
  c.optimizer.eps = -1;
  EXPECT_EQ(validation_error(c), "`eps` -1 must be positive");
}

}  // namespace
