#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "data/fixtures.h"
#include "nnlab/data/data_loader.h"

using namespace nnlab;
using namespace nnlab::data;
using namespace nnlab::testing;

namespace {

std::shared_ptr<const Dataset> image_set(int64_t n) {
  auto d = std::make_shared<Dataset>();
  d->name = "synthetic";
  d->channels = 3;
  d->height = 8;
  d->width = 6;
  d->num_classes = 10;
  for (int k = 0; k < 10; ++k) d->class_names.push_back(std::to_string(k));
  for (int64_t i = 0; i < n; ++i) {
    d->labels.push_back(static_cast<int32_t>(i % 10));
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 8; ++y)
        for (int x = 0; x < 6; ++x) d->pixels.push_back(pixel_value(i, c, y, x));
  }
  return d;
}

DataLoaderOptions options(int workers) {
  DataLoaderOptions o;
  o.batch_size = 16;
  o.shuffle = true;
  o.seed = 42;
  o.num_workers = workers;
  o.augment = {2, true};
  o.normalization = {{0.5f, 0.4f, 0.3f}, {0.2f, 0.25f, 0.3f}};
  return o;
}

std::vector<Batch> epoch(DataLoader& loader, int64_t e) {
  loader.start_epoch(e);
  std::vector<Batch> out;
  while (auto b = loader.next()) out.push_back(std::move(*b));
  return out;
}

}  // namespace

TEST(DataLoader, EveryEpochCoversEverySampleOnce) {
  auto data = image_set(100);
  DataLoader loader(data, options(2));
  EXPECT_EQ(loader.num_batches(), 7);
  std::vector<int64_t> first_order;
  for (int64_t e = 0; e < 3; ++e) {
    std::vector<Batch> batches = epoch(loader, e);
    ASSERT_EQ(batches.size(), 7u);
    std::vector<int64_t> order;
    for (const Batch& b : batches) {
      ASSERT_EQ(b.x.shape(), (Shape{static_cast<int64_t>(b.y.size()), 3, 8, 6}));
      for (size_t i = 0; i < b.y.size(); ++i) EXPECT_EQ(b.y[i], data->labels[b.indices[i]]);
      order.insert(order.end(), b.indices.begin(), b.indices.end());
    }
    EXPECT_EQ(batches.back().y.size(), 4u);
    std::vector<int64_t> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    for (int64_t i = 0; i < 100; ++i) ASSERT_EQ(sorted[i], i);
    if (e == 0) first_order = order;
    else EXPECT_NE(order, first_order);  // a new permutation each epoch
  }
  DataLoaderOptions o = options(0);
  o.drop_last = true;
  o.shuffle = false;
  DataLoader plain(data, o);
  std::vector<Batch> batches = epoch(plain, 0);
  ASSERT_EQ(batches.size(), 6u);
  for (size_t b = 0; b < 6; ++b)
    for (size_t i = 0; i < 16; ++i) EXPECT_EQ(batches[b].indices[i], static_cast<int64_t>(b * 16 + i));
}

TEST(DataLoader, BatchesAreTheirDefinition) {
  auto data = image_set(40);
  DataLoaderOptions o = options(3);
  DataLoader loader(data, o);
  std::vector<Batch> batches = epoch(loader, 5);
  std::vector<float> expected(data->sample_numel());
  for (const Batch& b : batches)
    for (size_t i = 0; i < b.y.size(); ++i) {
      const int64_t index = b.indices[i];
      sample_to_float(*data, index, draw_placement(o.augment, o.seed, 5, index), o.normalization, expected);
      ASSERT_TRUE(std::equal(expected.begin(), expected.end(), b.x.data() + i * expected.size()));
    }
  EXPECT_EQ(epoch_order(40, true, o.seed, 5), [&] {
    std::vector<int64_t> all;
    for (const Batch& b : batches) all.insert(all.end(), b.indices.begin(), b.indices.end());
    return all;
  }());
}

TEST(DataLoader, SameSeedSameBatchesWhateverTheWorkers) {
  auto data = image_set(203);
  std::vector<std::vector<float>> reference;
  std::vector<std::vector<int32_t>> reference_y;
  for (int workers : {0, 1, 2, 5}) {
    DataLoaderOptions o = options(workers);
    o.prefetch_batches = workers == 5 ? 1 : 0;  // also the tightest queue
    DataLoader loader(data, o);
    std::vector<std::vector<float>> xs;
    std::vector<std::vector<int32_t>> ys;
    for (int64_t e : {0, 1}) {
      for (Batch& b : epoch(loader, e)) {
        xs.push_back(b.x.to_vector());
        ys.push_back(b.y);
      }
    }
    if (reference.empty()) {
      reference = xs;
      reference_y = ys;
    } else {
      EXPECT_EQ(xs, reference) << workers << " workers";
      EXPECT_EQ(ys, reference_y) << workers << " workers";
    }
  }
}

TEST(DataLoader, WorkerExceptionsReachTheConsumer) {
  auto data = image_set(100);
  DataLoaderOptions o = options(3);
  o.batch_transform = [](Batch& b) {
    if (b.indices.size() == 16 && std::find(b.indices.begin(), b.indices.end(), 57) != b.indices.end())
      throw DataError("sample 57 is cursed");
  };
  o.shuffle = false;  // sample 57 is in batch 3
  DataLoader loader(data, o);
  loader.start_epoch(0);
  for (int b = 0; b < 3; ++b) ASSERT_TRUE(loader.next().has_value());
  EXPECT_THROW(
      {
        try {
          loader.next();
        } catch (const DataError& e) {
          EXPECT_STREQ(e.what(), "sample 57 is cursed");
          throw;
        }
      },
      DataError);
  EXPECT_FALSE(loader.next().has_value());  // the epoch ended with the error
  loader.start_epoch(1);                    // and the next one starts afresh
  EXPECT_TRUE(loader.next().has_value());
}

TEST(DataLoader, DestroyedMidEpochOrNeverStarted) {
  auto data = image_set(500);
  std::atomic<int> built{0};
  for (int round = 0; round < 20; ++round) {
    DataLoaderOptions o = options(4);
    o.batch_size = 8;
    o.batch_transform = [&](Batch&) { ++built; };
    DataLoader loader(data, o);
    if (round % 4 == 0) continue;  // never started
    loader.start_epoch(round);
    for (int k = 0; k < round % 3; ++k) loader.next();
    if (round % 2) loader.start_epoch(round + 100);  // abandon the epoch, start another
  }  // each loader joins its workers here; a hang would time the test out
  EXPECT_GT(built.load(), 0);
  // The prefetch queue is bounded: an idle consumer does not make the workers run ahead.
  DataLoaderOptions o = options(2);
  o.batch_size = 4;
  o.prefetch_batches = 3;
  std::atomic<int> count{0};
  o.batch_transform = [&](Batch&) { ++count; };
  DataLoader loader(data, o);
  loader.start_epoch(0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_LE(count.load(), 3 + 2);  // the queue, plus a batch in each worker's hands
  loader.next();
  EXPECT_LE(count.load(), 4 + 2);
}

TEST(DataLoader, RecordsWaitingTime) {
  auto data = image_set(64);
  DataLoader loader(data, options(0));
  EXPECT_EQ(loader.wait_seconds(), 0.0);
  epoch(loader, 0);
  EXPECT_GT(loader.wait_seconds(), 0.0);  // without workers next() builds the batch itself
  loader.reset_wait_time();
  EXPECT_EQ(loader.wait_seconds(), 0.0);
}

TEST(DataLoader, TabularBatchesAndBadOptions) {
  auto table = std::make_shared<Dataset>();
  table->name = "t";
  table->num_features = 3;
  table->features = {1, 2, 3, 4, 5, 6};
  table->labels = {0, 1};
  table->num_classes = 2;
  table->class_names = {"a", "b"};
  DataLoaderOptions o;
  o.batch_size = 5;
  o.normalization = {{1, 2, 3}, {1, 2, 3}};
  DataLoader loader(table, o);
  loader.start_epoch(0);
  auto b = loader.next();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->x.shape(), (Shape{2, 3}));
  EXPECT_EQ(b->x.to_vector(), (std::vector<float>{0, 0, 0, 3, 1.5f, 1}));
  EXPECT_FALSE(loader.next());

  DataLoader unstarted(table, DataLoaderOptions{});
  EXPECT_THROW(unstarted.next(), Error);
  o.batch_size = 0;
  EXPECT_THROW(DataLoader(table, o), ConfigError);
  o.batch_size = 1;
  o.augment.horizontal_flip = true;
  EXPECT_THROW(DataLoader(table, o), ConfigError);
  o.augment = {};
  o.normalization = {{1}, {1}};
  EXPECT_THROW(DataLoader(table, o), ShapeError);
  o.normalization = {{1, 2, 3}, {1, 0, 3}};
  EXPECT_THROW(DataLoader(table, o), ConfigError);
}
