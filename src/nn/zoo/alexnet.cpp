#include "nn/zoo/builders.h"
#include "nnlab/nn/activation.h"
#include "nnlab/nn/conv2d.h"
#include "nnlab/nn/dropout.h"
#include "nnlab/nn/linear.h"

namespace nnlab::zoo {

// The 32x32 AlexNet variant of MODELS.md (Krizhevsky et al. 2012, scaled to CIFAR size).
std::shared_ptr<ZooModel> build_alexnet(const ModelOptions& o, Generator& gen) {
  auto m = std::make_shared<ZooModel>(o.name, o.input);
  auto conv = [&](int64_t in, int64_t out, int64_t stride) {
    m->push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1), gen));
    m->push_back(std::make_shared<nn::Activation>("relu"));
  };
  auto pool = [&] { m->push_back(std::make_shared<nn::MaxPool2d>(2, 2)); };
  conv(o.input[0], 64, 2);
  pool();
  conv(64, 192, 1);
  pool();
  conv(192, 384, 1);
  conv(384, 256, 1);
  conv(256, 256, 1);
  pool();
  m->push_back(std::make_shared<nn::Flatten>());
  m->push_back(std::make_shared<nn::Dropout>(0.5f, gen.next_u64()));
  m->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(1024, 4096), gen));
  m->push_back(std::make_shared<nn::Activation>("relu"));
  m->push_back(std::make_shared<nn::Dropout>(0.5f, gen.next_u64()));
  m->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(4096, 4096), gen));
  m->push_back(std::make_shared<nn::Activation>("relu"));
  m->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(4096, o.classes), gen));
  return m;
}

}  // namespace nnlab::zoo
