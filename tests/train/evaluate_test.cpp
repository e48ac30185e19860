// evaluate(): the metrics of a model over a loader, and its test-time mirror (eval_flip),
// which scores each image by the mean of its logits and its mirror's.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "nnlab/data/data_loader.h"
#include "nnlab/generator.h"
#include "nnlab/nn/activation.h"
#include "nnlab/nn/linear.h"
#include "nnlab/nn/sequential.h"
#include "nnlab/train/trainer.h"

using namespace nnlab;

namespace {

// Images of one row of two pixels; the class is the brighter side.
std::shared_ptr<const data::Dataset> two_pixel_images() {
  auto d = std::make_shared<data::Dataset>();
  d->name = "two-pixels";
  d->channels = 1;
  d->height = 1;
  d->width = 2;
  d->num_classes = 2;
  d->class_names = {"left", "right"};
  d->pixels = {200, 10, 30, 150, 250, 0, 5, 120};
  d->labels = {0, 1, 0, 1};
  return d;
}

// logits = (left pixel, right pixel): right about every image, and each image's mirror
// has the other's logits, so their mean has two equal logits.
std::shared_ptr<nn::Sequential> pixel_logits() {
  Generator gen(1);
  auto fc = std::make_shared<nn::Linear>(nn::LinearOptions(2, 2).bias(false), gen);
  const float eye[] = {1, 0, 0, 1};
  fc->weight.copy_(Tensor::from_data({2, 2}, eye));
  return std::make_shared<nn::Sequential>(std::vector<nn::ModulePtr>{std::make_shared<nn::Flatten>(), fc});
}

TEST(Evaluate, MirroredScoresTheMeanOfEachImageAndItsMirror) {
  auto model = pixel_logits();
  data::DataLoaderOptions o;
  o.batch_size = 3;  // two batches, one short
  data::DataLoader loader(two_pixel_images(), o);

  const train::ClassificationMetrics plain = train::evaluate(*model, loader, 2);
  EXPECT_DOUBLE_EQ(plain.top1(), 1.0);
  EXPECT_LT(plain.loss(), std::log(2.0) - 0.05);

  const train::ClassificationMetrics mirrored = train::evaluate(*model, loader, 2, false, true);
  EXPECT_EQ(mirrored.count(), 4);
  EXPECT_NEAR(mirrored.loss(), std::log(2.0), 1e-6);  // two equal logits, whatever the class
  EXPECT_TRUE(model->is_training());                  // evaluation puts the mode back
}

}  // namespace
