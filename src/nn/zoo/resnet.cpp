#include "nn/zoo/builders.h"
#include "nnlab/nn/activation.h"
#include "nnlab/nn/batchnorm.h"
#include "nnlab/nn/conv2d.h"
#include "nnlab/nn/linear.h"
#include "nnlab/ops/activation.h"
#include "nnlab/ops/elementwise.h"

namespace nnlab::zoo {

namespace {

// He et al. 2016's basic block: relu(body(x) + shortcut(x)), with a 1x1 projection
// shortcut ("option B") where the shape changes. Children are named as in the reference.
class BasicBlock : public nn::Module {
 public:
  BasicBlock(int64_t in, int64_t width, int64_t stride, Generator& gen) {
    body_ = register_module("body", std::make_shared<nn::Sequential>());
    append_conv_bn_relu(*body_, in, width, 3, stride, 1, gen);
    body_->push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(width, width, 3).padding(1).bias(false), gen));
    body_->push_back(std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(width)));
    if (stride == 1 && in == width) {
      shortcut_ = register_module("shortcut", std::make_shared<nn::Activation>("identity"));
    } else {
      auto proj = std::make_shared<nn::Sequential>();
      proj->push_back(
          std::make_shared<nn::Conv2d>(nn::Conv2dOptions(in, width, 1).stride(stride).bias(false), gen));
      proj->push_back(std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(width)));
      shortcut_ = register_module("shortcut", proj);
    }
  }
  Tensor forward(const Tensor& x) override {
    // Inference: the body's last convolution adds the shortcut and applies the ReLU itself
    // (Conv2d::forward_inference), into the projection's output where there is one (a fresh
    // tensor nobody else holds), into a copy of x where the shortcut is x itself.
    auto* conv = dynamic_cast<nn::Conv2d*>((*body_)[3].get());
    auto* bn = dynamic_cast<nn::BatchNorm*>((*body_)[4].get());
    if (!body_->has_forward_hooks() && conv && bn && conv->inference_fusable(x) &&
        nn::Conv2d::inference_foldable(*bn)) {
      const bool projection = dynamic_cast<nn::Sequential*>(shortcut_.get()) != nullptr;
      const Tensor s = (*shortcut_)(x);
      return conv->forward_inference(body_->forward_first(x, 3), bn, true, s, projection);
    }
    return relu(add((*body_)(x), (*shortcut_)(x)));
  }
  std::string type_name() const override { return "BasicBlock"; }

 private:
  std::shared_ptr<nn::Sequential> body_;
  nn::ModulePtr shortcut_;
};

}  // namespace

// resnet20 (three stages of 3 blocks, widths 16/32/64) and resnet18 (four stages of 2
// blocks, widths 64..512), both with a 3x3 stem for 32x32 input.
std::shared_ptr<ZooModel> build_resnet(const ModelOptions& o, Generator& gen) {
  const bool r20 = o.name == "resnet20";
  const std::vector<int64_t> widths = r20 ? std::vector<int64_t>{16, 32, 64} : std::vector<int64_t>{64, 128, 256, 512};
  const int blocks = r20 ? 3 : 2;
  auto m = std::make_shared<ZooModel>(o.name, o.input);
  append_conv_bn_relu(*m, o.input[0], widths[0], 3, 1, 1, gen);
  int64_t in = widths[0];
  for (size_t i = 0; i < widths.size(); ++i)
    for (int j = 0; j < blocks; ++j) {
      m->push_back(std::make_shared<BasicBlock>(in, widths[i], i > 0 && j == 0 ? 2 : 1, gen));
      in = widths[i];
    }
  m->push_back(std::make_shared<nn::GlobalAvgPool2d>());
  m->push_back(std::make_shared<nn::Flatten>());
  m->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(in, o.classes), gen));
  return m;
}

}  // namespace nnlab::zoo
