// TrainConfig::test_subset: a stratified test subset that does not depend on the run's seed.
#include <gtest/gtest.h>

#include "nnlab/data/dataset.h"
#include "nnlab/error.h"
#include "nnlab/train/data_setup.h"

using namespace nnlab;

TEST(TrainTestSubset, StratifiedAndTheSameForEverySeed) {
  train::TrainConfig c;
  c.data.name = "breast-cancer";
  c.model.name = "logreg";
  c.test_subset = 57;
  train::PreparedData a = train::prepare_data(c);
  c.seed = 7;
  train::PreparedData b = train::prepare_data(c);
  ASSERT_EQ(a.test.size(), 57);
  EXPECT_EQ(a.test.features, b.test.features);  // the seed chooses the training split, not the test subset
  // Stratified: the class proportions of the whole test split, to within one sample.
  c.test_subset = 0;
  train::PreparedData full = train::prepare_data(c);
  auto whole = data::label_histogram(full.test), part = data::label_histogram(a.test);
  for (size_t k = 0; k < whole.size(); ++k)
    EXPECT_NEAR(static_cast<double>(part[k]), 57.0 * static_cast<double>(whole[k]) / static_cast<double>(full.test.size()), 1.0);
  // A subset as large as the split or larger keeps it whole.
  c.test_subset = full.test.size() + 10;
  EXPECT_EQ(train::prepare_data(c).test.size(), full.test.size());
  c.test_subset = -1;
  EXPECT_THROW(c.validate(), ConfigError);
}
