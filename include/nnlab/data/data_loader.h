// DataLoader: batches of a Dataset as float tensors, shuffled per epoch and augmented,
// built by background threads while the model trains.
//
//   data::DataLoader loader(train, {.batch_size = 128, .shuffle = true, .seed = 1,
//                                   .num_workers = 2, .augment = {4, true}, .normalization = norm});
//   for (int64_t epoch = 0; epoch < epochs; ++epoch) {
//     loader.start_epoch(epoch);
//     while (auto batch = loader.next()) step(batch->x, batch->y);
//   }
//
// Batch b of epoch e depends only on (seed, e, b), never on which thread built it, so any
// number of workers gives the same bits.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "nnlab/data/dataset.h"
#include "nnlab/data/transforms.h"
#include "nnlab/tensor.h"

namespace nnlab::data {

struct Batch {
  Tensor x;                      // float32 N×C×H×W (or N×F), contiguous
  std::vector<int32_t> y;        // N labels
  std::vector<int64_t> indices;  // the samples' positions in the dataset
};

struct DataLoaderOptions {
  int64_t batch_size = 64;
  bool shuffle = false;    // a new seeded permutation each epoch
  bool drop_last = false;  // skip a final batch smaller than batch_size
  uint64_t seed = 0;       // shuffling and augmentation
  int num_workers = 0;     // 0 builds each batch in next(), on the caller's thread
  int prefetch_batches = 0;  // batches built ahead of the consumer; 0 means 2 per worker
  // This replica's share when `shard_count` processes train one model (PyTorch's
  // DistributedSampler): of each epoch's order, the samples at shard_index, shard_index +
  // shard_count, ...; with shard_pad the order is first extended by its own first samples
  // to a multiple of shard_count, so every replica gets as many (training), without it the
  // shares differ by at most one and cover each sample once (evaluation).
  int shard_index = 0, shard_count = 1;
  bool shard_pad = true;
  Augment augment;
  Normalization normalization;  // empty: pixels scaled to [0, 1], features as they are
  // Runs on the building thread once a batch is made (PyTorch's collate_fn, e.g. mixup);
  // it must be thread-safe, and what it throws reaches next().
  std::function<void(Batch&)> batch_transform;
};

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> data, DataLoaderOptions options);
  ~DataLoader();  // stops and joins the workers, also in the middle of an epoch
  DataLoader(DataLoader&&) noexcept;
  DataLoader& operator=(DataLoader&&) noexcept;

  // Begins epoch `epoch` (any number; restarting or skipping is allowed), abandoning what
  // is left of the previous one.
  void start_epoch(int64_t epoch);
  // The next batch of the epoch in order, or nullopt when the epoch is over. An exception
  // thrown while building a batch is rethrown here, and the epoch ends with it.
  std::optional<Batch> next();

  int64_t num_batches() const;  // per epoch
  const Dataset& dataset() const { return *data_; }
  const DataLoaderOptions& options() const { return options_; }

  // Seconds next() spent waiting for a batch (or building it, without workers) since the
  // loader was made or reset_wait_time() was called: compare with the step time to see
  // whether training waits on data.
  double wait_seconds() const;
  void reset_wait_time();

  struct Pipeline;  // the worker threads and the queue between them and next()

 private:
  std::shared_ptr<const Dataset> data_;
  DataLoaderOptions options_;
  std::unique_ptr<Pipeline> pipeline_;
};

// Builds batch `batch` of an epoch whose sample order is `order` (used by the loader's
// workers; exposed so that a test can check a batch against its definition).
Batch make_batch(const Dataset& data, const DataLoaderOptions& options, std::span<const int64_t> order,
                 int64_t epoch, int64_t batch);
// The sample order of an epoch: 0..N-1, or its seeded shuffle.
std::vector<int64_t> epoch_order(int64_t size, bool shuffle, uint64_t seed, int64_t epoch);
// Replica `index` of `count`'s stride of `order` (see DataLoaderOptions::shard_index).
std::vector<int64_t> shard_order(std::span<const int64_t> order, int index, int count, bool pad);

}  // namespace nnlab::data
