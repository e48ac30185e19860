// DataLoader throughput on Fashion-MNIST with random crop (padding 4) and horizontal flip
// at batch 128, by worker count: the rate at which a training loop can be fed when it
// does nothing else. Needs Debian's dataset-fashion-mnist (or $NNLAB_DATA/fashion-mnist).
#include <benchmark/benchmark.h>

#include <memory>

#include "nnlab/data/data_loader.h"
#include "nnlab/data/datasets.h"

namespace {

std::shared_ptr<const nnlab::data::Dataset> fashion_train() {
  static std::shared_ptr<const nnlab::data::Dataset> train = [] {
    nnlab::data::LoadOptions o;
    o.name = "fashion-mnist";
    try {
      return std::make_shared<const nnlab::data::Dataset>(nnlab::data::load_dataset(o).train);
    } catch (const std::exception&) {
      return std::shared_ptr<const nnlab::data::Dataset>();
    }
  }();
  return train;
}

void BM_FashionMnistCropFlip(benchmark::State& state) {
  auto train = fashion_train();
  if (!train) {
    state.SkipWithError("Fashion-MNIST not found (apt install dataset-fashion-mnist)");
    return;
  }
  nnlab::data::DataLoaderOptions o;
  o.batch_size = 128;
  o.shuffle = true;
  o.seed = 1;
  o.num_workers = static_cast<int>(state.range(0));
  o.augment = {4, true};
  o.normalization = *nnlab::data::published_normalization("fashion-mnist");
  nnlab::data::DataLoader loader(train, o);
  int64_t epoch = 0, images = 0;
  for (auto _ : state) {
    loader.start_epoch(epoch++);
    while (auto batch = loader.next()) {
      images += static_cast<int64_t>(batch->y.size());
      benchmark::DoNotOptimize(batch->x.data());
    }
  }
  state.SetItemsProcessed(images);
  state.counters["wait_s_per_epoch"] = benchmark::Counter(loader.wait_seconds() / static_cast<double>(epoch));
}
BENCHMARK(BM_FashionMnistCropFlip)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

