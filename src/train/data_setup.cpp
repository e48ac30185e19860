#include "nnlab/train/data_setup.h"

#include <fmt/format.h>

#include "nnlab/data/datasets.h"
#include "nnlab/error.h"
#include "nnlab/memory_budget.h"
#include "nnlab/zoo/zoo.h"

namespace nnlab::train {

data::Dataset shape_for_model(const data::Dataset& split, const std::string& model, int64_t image_size) {
  if (!split.is_image()) return split;
  data::Dataset out = split;
  if (image_size > 0 && (out.height != image_size || out.width != image_size)) {
    const uint64_t values = static_cast<uint64_t>(out.size()) * static_cast<uint64_t>(out.channels) *
                            static_cast<uint64_t>(image_size) * static_cast<uint64_t>(image_size);
    require_memory(values * sizeof(float),
                   fmt::format("resizing {} {} images to {}x{}x{}", out.size(), split.split, out.channels, image_size,
                               image_size),
                   "lower `image_size`");
    out = data::resize_images(out, image_size, image_size);
  }
  if (zoo::model_info(model).only_32x32 && out.height == 28 && out.width == 28) out = data::pad_images(out, 32, 32);
  return out;
}

data::Dataset test_subset(data::Dataset test, int64_t count) {
  if (count <= 0 || count >= test.size()) return test;
  // Seeded by a constant, not the run's seed: every run of a comparison sees the same test samples.
  const double keep = static_cast<double>(count) / static_cast<double>(test.size());
  return data::stratified_split(test, keep, 0, "rest", "test").second;
}

PreparedData prepare_data(const TrainConfig& c) {
  data::Splits splits = data::load_dataset(c.data);

  PreparedData p;
  data::Dataset train = std::move(splits.train);
  if (c.train_subset > 0 && c.train_subset < train.size()) {
    // A stratified subset: the second part of a split that keeps train_subset samples.
    const double keep = static_cast<double>(c.train_subset) / static_cast<double>(train.size());
    train = data::stratified_split(train, keep, c.seed, "rest", "train").second;
  }
  if (c.val_fraction > 0) {
    auto [tr, val] = data::split_train_val(train, c.val_fraction, c.seed);
    train = std::move(tr);
    p.val = std::move(val);
  } else {
    p.val = data::empty_like(train);
    p.val.split = "val";
  }

  if (c.normalize == "train") {
    p.normalization = data::compute_normalization(train);
  } else if (c.normalize == "published") {
    auto published = data::published_normalization(c.data.name);
    if (!published)
      throw ConfigError(fmt::format("`normalize` published: no published statistics for '{}'; use `normalize` train",
                                    c.data.name));
    p.normalization = *published;
  }

  const std::string& model = c.model.name;
  if (!train.is_image() && model != "logreg" && model != "mlp")
    throw ConfigError(fmt::format("{} takes images, but '{}' is a table of {} features; use `model` logreg or mlp",
                                  model, c.data.name, train.num_features));
  p.train = shape_for_model(train, model, c.data.image_size);
  p.val = shape_for_model(p.val, model, c.data.image_size);
  p.test = shape_for_model(test_subset(std::move(splits.test), c.test_subset), model, c.data.image_size);
  p.input = p.train.sample_shape();
  p.num_classes = p.train.num_classes;
  p.class_names = p.train.class_names;
  if (p.num_classes < 2)
    throw DataError(fmt::format("'{}' has {} class in its training split ({}): a classifier needs at least two; check "
                                "the label column (`target`) or the dataset",
                                c.data.name, p.num_classes, p.train.source));
  if (c.model.binary && p.num_classes != 2)
    throw ConfigError(fmt::format("`binary` needs a two-class dataset; '{}' has {} classes", c.data.name,
                                  p.num_classes));
  p.summary = fmt::format("{} from {}: {} train, {} validation, {} test, {} classes, input {}", c.data.name,
                          p.train.source, p.train.size(), p.val.size(), p.test.size(), p.num_classes,
                          fmt::join(p.input, "x"));
  return p;
}

}  // namespace nnlab::train
