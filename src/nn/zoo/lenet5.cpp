#include "nn/zoo/builders.h"
#include "nnlab/nn/activation.h"
#include "nnlab/nn/conv2d.h"
#include "nnlab/nn/linear.h"

namespace nnlab::zoo {

// LeCun et al. 1998 with ReLU and max pooling, as MODELS.md defines it: the first
// convolution pads 28x28 input by 2 so both input sizes reach the 16x5x5 feature map.
std::shared_ptr<ZooModel> build_lenet5(const ModelOptions& o, Generator& gen) {
  const int64_t c = o.input[0], pad = o.input[1] == 28 ? 2 : 0;
  auto m = std::make_shared<ZooModel>(o.name, o.input);
  m->push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(c, 6, 5).padding(pad), gen));
  m->push_back(std::make_shared<nn::Activation>("relu"));
  m->push_back(std::make_shared<nn::MaxPool2d>(2, 2));
  m->push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(6, 16, 5), gen));
  m->push_back(std::make_shared<nn::Activation>("relu"));
  m->push_back(std::make_shared<nn::MaxPool2d>(2, 2));
  m->push_back(std::make_shared<nn::Flatten>());
  m->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(400, 120), gen));
  m->push_back(std::make_shared<nn::Activation>("relu"));
  m->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(120, 84), gen));
  m->push_back(std::make_shared<nn::Activation>("relu"));
  m->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(84, o.classes), gen));
  return m;
}

}  // namespace nnlab::zoo
