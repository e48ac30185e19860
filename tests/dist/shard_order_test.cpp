// The distributed sampler's shares (PyTorch's DistributedSampler): padded strides for
// training, an exact partition for evaluation, and a DataLoader that serves its share.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <numeric>

#include "nnlab/data/data_loader.h"
#include "nnlab/error.h"

using namespace nnlab;

TEST(ShardOrder, PaddedStridesGiveEveryReplicaTheSameCount) {
  std::vector<int64_t> order(10);
  std::iota(order.begin(), order.end(), 100);
  const auto a = data::shard_order(order, 0, 3, true), b = data::shard_order(order, 1, 3, true),
             c = data::shard_order(order, 2, 3, true);
  EXPECT_EQ(a, (std::vector<int64_t>{100, 103, 106, 109}));
  EXPECT_EQ(b, (std::vector<int64_t>{101, 104, 107, 100}));  // padded with the order's first samples
  EXPECT_EQ(c, (std::vector<int64_t>{102, 105, 108, 101}));
}

TEST(ShardOrder, UnpaddedSharesPartitionTheOrder) {
  std::vector<int64_t> order(10);
  std::iota(order.begin(), order.end(), 0);
  std::vector<int64_t> all;
  for (int r = 0; r < 4; ++r) {
    const auto s = data::shard_order(order, r, 4, false);
    EXPECT_EQ(s.size(), r < 2 ? 3u : 2u);
    all.insert(all.end(), s.begin(), s.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, order);
}

TEST(ShardOrder, LoaderServesItsShareOfTheEpochsPermutation) {
  auto d = std::make_shared<data::Dataset>();
  d->name = "table";
  d->num_features = 1;
  for (int i = 0; i < 9; ++i) {
    d->features.push_back(static_cast<float>(i));
    d->labels.push_back(i % 2);
  }
  d->num_classes = 2;
  d->class_names = {"a", "b"};
  data::DataLoaderOptions o;
  o.batch_size = 2;
  o.shuffle = true;
  o.seed = 7;
  o.shard_index = 1;
  o.shard_count = 2;
  data::DataLoader loader(d, o);
  EXPECT_EQ(loader.num_batches(), 3);  // 5 samples (9 padded to 10, halved) in batches of 2
  loader.start_epoch(3);
  std::vector<int64_t> got;
  while (auto b = loader.next()) got.insert(got.end(), b->indices.begin(), b->indices.end());
  EXPECT_EQ(got, data::shard_order(data::epoch_order(9, true, 7, 3), 1, 2, true));
  o.shard_index = 2;
  EXPECT_THROW(data::DataLoader(d, o), ConfigError);
}
