// The builders behind zoo::build, one per file, and the input check they share.
#pragma once

#include "nnlab/nn/sequential.h"
#include "nnlab/zoo/zoo.h"

namespace nnlab::zoo {

// A Sequential that checks each batch against the image shape the model was built for, so a
// wrong input is an error naming both shapes rather than a failure deep inside a layer.
class ZooModel : public nn::Sequential {
 public:
  ZooModel(std::string name, Shape input) : name_(std::move(name)), input_(std::move(input)) {}
  Tensor forward(const Tensor& x) override;

 private:
  std::string name_;
  Shape input_;
};

std::shared_ptr<ZooModel> build_logreg(const ModelOptions& o, Generator& gen);
std::shared_ptr<ZooModel> build_mlp(const ModelOptions& o, Generator& gen);
std::shared_ptr<ZooModel> build_lenet5(const ModelOptions& o, Generator& gen);
std::shared_ptr<ZooModel> build_alexnet(const ModelOptions& o, Generator& gen);
std::shared_ptr<ZooModel> build_vgg(const ModelOptions& o, Generator& gen);
std::shared_ptr<ZooModel> build_resnet(const ModelOptions& o, Generator& gen);

// conv(k, s, p) without bias, BatchNorm2d, ReLU: the VGG and ResNet unit.
void append_conv_bn_relu(nn::Sequential& seq, int64_t in, int64_t out, int64_t kernel, int64_t stride,
                         int64_t padding, Generator& gen);

}  // namespace nnlab::zoo
