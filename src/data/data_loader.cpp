#include "nnlab/data/data_loader.h"

#include <fmt/core.h>

#include <chrono>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <numeric>
#include <thread>

#include "nnlab/error.h"
#include "nnlab/generator.h"

namespace nnlab::data {
namespace {

// Stream salt for the epoch permutations (see kAugmentSalt in transforms.cpp).
constexpr uint64_t kShuffleSalt = 0x73687566666c6521ull;

void check_options(const Dataset& data, const DataLoaderOptions& o) {
  if (o.batch_size <= 0) throw ConfigError(fmt::format("batch size {} must be positive", o.batch_size));
  if (o.num_workers < 0) throw ConfigError(fmt::format("{} data workers: the count cannot be negative", o.num_workers));
  if (o.prefetch_batches < 0) throw ConfigError(fmt::format("prefetch of {} batches cannot be negative", o.prefetch_batches));
  if (o.shard_count < 1 || o.shard_index < 0 || o.shard_index >= o.shard_count)
    throw ConfigError(fmt::format("shard {} of {}: the index must be in [0, count)", o.shard_index, o.shard_count));
  if (o.augment.crop_padding < 0) throw ConfigError(fmt::format("crop padding {} cannot be negative", o.augment.crop_padding));
  if (o.augment.any() && !data.is_image())
    throw ConfigError(fmt::format("crop and flip augmentation need images; {} is tabular", data.name));
  const auto groups = static_cast<size_t>(data.is_image() ? data.channels : data.num_features);
  const auto& n = o.normalization;
  if (!n.empty() && (n.mean.size() != groups || n.std.size() != groups))
    throw ShapeError(fmt::format("normalisation with {} means and {} stds for {} with {} {}", n.mean.size(), n.std.size(),
                                 data.name, groups, data.is_image() ? "channels" : "features"));
  for (float s : n.std)
    if (!(s > 0)) throw ConfigError(fmt::format("normalisation std {} must be positive", s));
}

}  // namespace

std::vector<int64_t> epoch_order(int64_t size, bool shuffle, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(size);
  std::iota(order.begin(), order.end(), 0);
  if (shuffle) {
    Generator gen(Generator::mix(seed ^ kShuffleSalt, static_cast<uint64_t>(epoch)));
    gen.shuffle(std::span<int64_t>(order));
  }
  return order;
}

std::vector<int64_t> shard_order(std::span<const int64_t> order, int index, int count, bool pad) {
  const auto n = static_cast<int64_t>(order.size());
  const int64_t total = pad ? (n + count - 1) / count * count : n;
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(total / count + 1));
  for (int64_t i = index; i < total; i += count) out.push_back(n == 0 ? 0 : order[static_cast<size_t>(i % n)]);
  return out;
}

Batch make_batch(const Dataset& data, const DataLoaderOptions& options, std::span<const int64_t> order,
                 int64_t epoch, int64_t batch) {
  const auto total = static_cast<int64_t>(order.size());
  const int64_t begin = batch * options.batch_size;
  const int64_t end = std::min(begin + options.batch_size, total);
  if (begin < 0 || begin >= total) throw Error(fmt::format("batch {} is past the end of the epoch", batch));
  const int64_t n = end - begin;
  Shape shape{n};
  for (int64_t d : data.sample_shape()) shape.push_back(d);
  Batch b{Tensor::empty(shape), std::vector<int32_t>(n), std::vector<int64_t>(order.begin() + begin, order.begin() + end)};
  const int64_t per = data.sample_numel();
  float* x = b.x.data();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t index = b.indices[i];
    const Placement p = draw_placement(options.augment, options.seed, epoch, index);
    sample_to_float(data, index, p, options.normalization, std::span<float>(x + i * per, per));
    b.y[i] = data.labels[index];
  }
  if (options.batch_transform) options.batch_transform(b);
  return b;
}

// The workers claim batch numbers in order, at most `capacity` ahead of the consumer, and
// file the results by number; next() takes them out in order. An epoch is a generation:
// results from an abandoned one are dropped.
struct DataLoader::Pipeline {
  std::shared_ptr<const Dataset> data;
  DataLoaderOptions options;
  int64_t capacity;

  std::mutex mutex;
  std::condition_variable work_cv;   // workers: a batch may be claimed, or stop
  std::condition_variable ready_cv;  // consumer: a result was filed
  bool stopping = false;
  uint64_t generation = 0;
  int64_t epoch = -1;
  std::shared_ptr<const std::vector<int64_t>> order;
  int64_t num_batches = 0;
  int64_t next_claim = 0;
  int64_t next_take = 0;
  struct Result {
    std::optional<Batch> batch;
    std::exception_ptr error;
  };
  std::map<int64_t, Result> ready;
  std::vector<std::thread> threads;

  double wait_seconds = 0;

  Pipeline(std::shared_ptr<const Dataset> d, const DataLoaderOptions& o) : data(std::move(d)), options(o) {
    capacity = o.prefetch_batches > 0 ? o.prefetch_batches : 2 * std::max(o.num_workers, 1);
    try {
      for (int w = 0; w < o.num_workers; ++w) threads.emplace_back([this] { work(); });
    } catch (...) {
      stop();  // the threads already started must not outlive a failed constructor
      throw;
    }
  }

  ~Pipeline() { stop(); }

  void stop() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    work_cv.notify_all();
    for (auto& t : threads)
      if (t.joinable()) t.join();
  }

  bool claimable() const { return next_claim < num_batches && next_claim < next_take + capacity; }

  void work() {
    std::unique_lock lock(mutex);
    while (true) {
      work_cv.wait(lock, [&] { return stopping || claimable(); });
      if (stopping) return;
      const int64_t b = next_claim++;
      const uint64_t gen = generation;
      const int64_t e = epoch;
      auto ord = order;
      lock.unlock();
      Result r;
      try {
        r.batch = make_batch(*data, options, *ord, e, b);
      } catch (...) {
        r.error = std::current_exception();
      }
      lock.lock();
      if (gen != generation) continue;
      ready.emplace(b, std::move(r));
      ready_cv.notify_all();
    }
  }

  void start(int64_t e, std::vector<int64_t> new_order, int64_t batches) {
    {
      std::lock_guard lock(mutex);
      ++generation;
      epoch = e;
      order = std::make_shared<const std::vector<int64_t>>(std::move(new_order));
      num_batches = batches;
      next_claim = 0;
      next_take = 0;
      ready.clear();
    }
    work_cv.notify_all();
  }

  std::optional<Batch> take() {
    const auto t0 = std::chrono::steady_clock::now();
    std::unique_lock lock(mutex);
    if (epoch < 0) throw Error("DataLoader::next() before start_epoch()");
    if (next_take >= num_batches) return std::nullopt;
    Result r;
    if (threads.empty()) {
      const int64_t b = next_take++;
      const int64_t e = epoch;
      auto ord = order;
      lock.unlock();
      try {
        r.batch = make_batch(*data, options, *ord, e, b);
      } catch (...) {
        r.error = std::current_exception();
      }
      lock.lock();
    } else {
      ready_cv.wait(lock, [&] { return ready.count(next_take) > 0; });
      auto it = ready.find(next_take);
      r = std::move(it->second);
      ready.erase(it);
      ++next_take;
    }
    if (r.error) {
      // The epoch ends with the error: nothing after a failed batch is served.
      ++generation;
      num_batches = next_take;
      ready.clear();
    }
    wait_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    lock.unlock();
    work_cv.notify_all();
    if (r.error) std::rethrow_exception(r.error);
    return std::move(r.batch);
  }
};

DataLoader::DataLoader(std::shared_ptr<const Dataset> data, DataLoaderOptions options)
    : data_(std::move(data)), options_(std::move(options)) {
  if (!data_) throw Error("DataLoader: no dataset");
  check_options(*data_, options_);
  pipeline_ = std::make_unique<Pipeline>(data_, options_);
}

DataLoader::~DataLoader() = default;
DataLoader::DataLoader(DataLoader&&) noexcept = default;
DataLoader& DataLoader::operator=(DataLoader&&) noexcept = default;

int64_t DataLoader::num_batches() const {
  const int64_t size = data_->size(), count = options_.shard_count, index = options_.shard_index;
  const int64_t n = count == 1 ? size
                    : options_.shard_pad ? (size + count - 1) / count
                                         : (size - index + count - 1) / count;
  const int64_t bs = options_.batch_size;
  return options_.drop_last ? n / bs : (n + bs - 1) / bs;
}

void DataLoader::start_epoch(int64_t epoch) {
  if (epoch < 0) throw ConfigError(fmt::format("epoch {} cannot be negative", epoch));
  std::vector<int64_t> order = epoch_order(data_->size(), options_.shuffle, options_.seed, epoch);
  if (options_.shard_count > 1)
    order = shard_order(order, options_.shard_index, options_.shard_count, options_.shard_pad);
  pipeline_->start(epoch, std::move(order), num_batches());
}

std::optional<Batch> DataLoader::next() { return pipeline_->take(); }

double DataLoader::wait_seconds() const {
  std::lock_guard lock(pipeline_->mutex);
  return pipeline_->wait_seconds;
}

void DataLoader::reset_wait_time() {
  std::lock_guard lock(pipeline_->mutex);
  pipeline_->wait_seconds = 0;
}

}  // namespace nnlab::data
