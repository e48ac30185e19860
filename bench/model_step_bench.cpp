// One training step (forward, cross-entropy, backward, SGD momentum) and one inference
// forward of zoo models at batch 64. With OMP_NUM_THREADS=1 the CPU-time column is the
// step's cost even on a loaded machine, which is how changes to small kernels were judged.
#include <benchmark/benchmark.h>

#include "nnlab/autograd.h"
#include "nnlab/generator.h"
#include "nnlab/ops/loss.h"
#include "nnlab/optim/sgd.h"
#include "nnlab/zoo/zoo.h"

namespace {

using namespace nnlab;

const char* kModels[] = {"logreg", "mlp", "lenet5", "resnet20"};

void model_step(benchmark::State& st) {
  const std::string name = kModels[st.range(0)];
  const bool train = st.range(1) == 1;
  auto model = zoo::build({.name = name, .input = {3, 32, 32}});
  Generator gen(0);
  Tensor x = Tensor::normal({64, 3, 32, 32}, 0, 1, gen);
  std::vector<int32_t> y(64);
  for (auto& v : y) v = static_cast<int32_t>(gen.below(10));
  optim::SGD opt(model->parameters(), optim::SGDOptions(0.01).momentum(0.9));
  model->train(train);
  for (auto _ : st) {
    if (train) {
      opt.zero_grad();
      Tensor loss = cross_entropy((*model)(x), y);
      loss.backward();
      opt.step();
    } else {
      NoGradGuard no_grad;
      benchmark::DoNotOptimize((*model)(x));
    }
  }
  st.SetLabel(name + (train ? " train" : " infer"));
  st.SetItemsProcessed(st.iterations() * 64);
}
BENCHMARK(model_step)->ArgsProduct({{0, 1, 2, 3}, {0, 1}})->Unit(benchmark::kMillisecond);

}  // namespace
