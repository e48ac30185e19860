#include <fmt/core.h>
#include <gtest/gtest.h>

#include "data/fixtures.h"
#include "nnlab/data/dataset.h"

using namespace nnlab;
using namespace nnlab::data;
using namespace nnlab::testing;

namespace {

Dataset labelled(const std::vector<int64_t>& per_class) {
  Dataset d;
  d.name = "counts";
  d.channels = 1;
  d.height = d.width = 2;
  d.num_classes = static_cast<int32_t>(per_class.size());
  for (size_t c = 0; c < per_class.size(); ++c) d.class_names.push_back(fmt::format("c{}", c));
  int64_t i = 0;
  for (size_t c = 0; c < per_class.size(); ++c)
    for (int64_t k = 0; k < per_class[c]; ++k, ++i) {
      d.labels.push_back(static_cast<int32_t>(c));
      for (int p = 0; p < 4; ++p) d.pixels.push_back(static_cast<uint8_t>(i + 50 * p));  // the sample id first
    }
  return d;
}

int64_t id_of(const Dataset& d, int64_t i) { return d.image(i)[0]; }

}  // namespace

TEST(Dataset, SubsetKeepsPixelsAndLabelsTogether) {
  Dataset d = labelled({3, 3});
  std::vector<int64_t> pick = {4, 0, 4};
  Dataset s = subset(d, pick, "x");
  EXPECT_EQ(s.labels, (std::vector<int32_t>{1, 0, 1}));
  EXPECT_EQ(s.pixels, (std::vector<uint8_t>{4, 54, 104, 154, 0, 50, 100, 150, 4, 54, 104, 154}));
  EXPECT_EQ(s.split, "x");
  std::vector<int64_t> bad = {6};
  EXPECT_THROW(subset(d, bad, "x"), Error);
}

TEST(Dataset, TrainValSplitIsSeededAndStratified) {
  Dataset d = labelled({30, 50, 20});
  auto [train, val] = split_train_val(d, 0.1, 7);
  EXPECT_EQ(val.size(), 10);
  EXPECT_EQ(label_histogram(val), (std::vector<int64_t>{3, 5, 2}));
  EXPECT_EQ(label_histogram(train), (std::vector<int64_t>{27, 45, 18}));
  EXPECT_EQ(train.split, "train");
  EXPECT_EQ(val.split, "val");
  std::vector<int> seen(100, 0);
  for (const Dataset* s : {&train, &val})
    for (int64_t i = 0; i < s->size(); ++i) ++seen[id_of(*s, i)];
  EXPECT_EQ(seen, std::vector<int>(100, 1));
  auto again = split_train_val(d, 0.1, 7);
  EXPECT_EQ(again.second.pixels, val.pixels);
  EXPECT_NE(split_train_val(d, 0.1, 8).second.pixels, val.pixels);
  EXPECT_THROW(split_train_val(d, 0.0, 7), ConfigError);
  EXPECT_THROW(split_train_val(d, 1.0, 7), ConfigError);
  EXPECT_THROW(split_train_val(labelled({1}), 0.5, 7), ConfigError);  // a part would be empty
}

TEST(Dataset, SplitOfTinyClassesStillHasTheRequestedSize) {
  Dataset d = labelled(std::vector<int64_t>(50, 1));  // 50 classes of one sample
  auto [train, val] = split_train_val(d, 0.2, 1);
  EXPECT_EQ(val.size(), 10);
  EXPECT_EQ(train.size(), 40);
}

TEST(Dataset, CheckCatchesInconsistentSplits) {
  Dataset d = labelled({2, 2});
  EXPECT_NO_THROW(d.check());
  d.labels[1] = 2;
  EXPECT_THROW(d.check(), DataError);
  d.labels[1] = 0;
  d.pixels.pop_back();
  EXPECT_THROW(d.check(), DataError);
  d.pixels.push_back(0);
  d.class_names.pop_back();
  EXPECT_THROW(d.check(), DataError);
}
