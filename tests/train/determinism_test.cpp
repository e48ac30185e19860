// Same seed, same data and the same thread count give the same bits: the batch-split
// convolutions, batch norm's per-thread partial sums and the rest add in a fixed order.
#include <gtest/gtest.h>

#include <cstring>

#include "nnlab/backend.h"
#include "nnlab/generator.h"
#include "nnlab/ops/loss.h"
#include "nnlab/optim/sgd.h"
#include "nnlab/zoo/zoo.h"

using namespace nnlab;

namespace {

std::vector<float> train_three_steps(const std::string& name) {
  auto model = zoo::build({.name = name, .input = {3, 32, 32}, .seed = 4});
  Generator gen(9);
  Tensor x = Tensor::normal({6, 3, 32, 32}, 0, 1, gen);  // 6 images: uneven shares on 4 threads
  std::vector<int32_t> y{0, 1, 2, 3, 4, 5};
  optim::SGD opt(model->parameters(), optim::SGDOptions(0.05).momentum(0.9));
  std::vector<float> out;
  for (int step = 0; step < 3; ++step) {
    opt.zero_grad();
    Tensor loss = cross_entropy((*model)(x), y);
    out.push_back(loss.item());
    loss.backward();
    opt.step();
  }
  for (const Tensor& p : model->parameters()) {
    auto v = p.to_vector();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

TEST(Determinism, SameThreadCountSameBits) {
  const int before = num_threads();
  for (int threads : {1, 2, 4}) {
    set_num_threads(threads);
    for (const char* name : {"lenet5", "resnet20"}) {
      auto a = train_three_steps(name), b = train_three_steps(name);
      ASSERT_EQ(a.size(), b.size());
      EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0)
          << name << " at " << threads << " threads differs between two identical runs";
    }
  }
  set_num_threads(before);
}

}  // namespace
