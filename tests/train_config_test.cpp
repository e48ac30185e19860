// TrainConfig: JSON round trip, unknown keys, validation, and the dataset-aware flip.
#include <gtest/gtest.h>

#include "nnlab/error.h"
#include "nnlab/train/config.h"

using nnlab::ConfigError;
using nnlab::train::TrainConfig;

namespace {

TEST(TrainConfig, JsonRoundTripKeepsEveryKey) {
  TrainConfig c;
  c.model = "mlp";
  c.hidden = {32, 16};
  c.activation = {"tanh", "relu"};
  c.milestones = {3, 6};
  c.lr = 0.125;
  c.seed = 42;
  TrainConfig back = TrainConfig::from_json(c.to_json());
  EXPECT_EQ(back.to_json(), c.to_json());
  EXPECT_EQ(back.hidden, (std::vector<int64_t>{32, 16}));
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

TEST(TrainConfig, ValidationNamesTheFlag) {
  TrainConfig c;
  c.batch_size = 0;
  EXPECT_THROW(c.validate(), ConfigError);
  c = TrainConfig();
  c.flip = "sideways";
  try {
    c.validate();
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--flip 'sideways'"), std::string::npos);
  }
  c = TrainConfig();
  c.early_stopping = 3;
  c.val_fraction = 0;
  EXPECT_THROW(c.validate(), ConfigError);
  EXPECT_NO_THROW(TrainConfig().validate());
}

TEST(TrainConfig, AutoFlipMirrorsOnlyMirrorSymmetricDatasets) {
  TrainConfig c;
  for (const char* d : {"fashion-mnist", "cifar10", "cifar100"}) {
    c.dataset = d;
    EXPECT_TRUE(c.flip_images()) << d;
  }
  for (const char* d : {"mnist", "svhn", "breast-cancer", "digits", "csv:/tmp/t.csv"}) {
    c.dataset = d;
    EXPECT_FALSE(c.flip_images()) << d;
  }
  c.flip = "on";
  EXPECT_TRUE(c.flip_images());
  c.dataset = "fashion-mnist";
  c.flip = "off";
  EXPECT_FALSE(c.flip_images());
}

}  // namespace
