#include "nn/zoo/builders.h"
#include "nnlab/nn/activation.h"
#include "nnlab/nn/batchnorm.h"
#include "nnlab/nn/conv2d.h"
#include "nnlab/nn/linear.h"

namespace nnlab::zoo {

void append_conv_bn_relu(nn::Sequential& seq, int64_t in, int64_t out, int64_t kernel, int64_t stride,
                         int64_t padding, Generator& gen) {
  seq.push_back(std::make_shared<nn::Conv2d>(
      nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(false), gen));
  seq.push_back(std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(out)));
  seq.push_back(std::make_shared<nn::Activation>("relu"));
}

// Simonyan and Zisserman 2015 with batch norm, CIFAR-sized: one fc layer after 512x1x1.
std::shared_ptr<ZooModel> build_vgg(const ModelOptions& o, Generator& gen) {
  constexpr int64_t M = 0;  // max pooling
  static const std::vector<int64_t> vgg11{64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M};
  static const std::vector<int64_t> vgg16{64, 64, M, 128, 128, M, 256, 256, 256, M, 512, 512, 512, M, 512, 512, 512, M};
  auto m = std::make_shared<ZooModel>(o.name, o.input);
  int64_t in = o.input[0];
  for (int64_t v : o.name == "vgg11" ? vgg11 : vgg16) {
    if (v == M) {
      m->push_back(std::make_shared<nn::MaxPool2d>(2, 2));
    } else {
      append_conv_bn_relu(*m, in, v, 3, 1, 1, gen);
      in = v;
    }
  }
  m->push_back(std::make_shared<nn::Flatten>());
  m->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(512, o.classes), gen));
  return m;
}

}  // namespace nnlab::zoo
