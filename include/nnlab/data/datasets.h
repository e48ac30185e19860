// The datasets nnlab knows by name, where it looks for them, and load_dataset, which
// turns a dataset name into train and test splits.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nnlab/data/dataset.h"
#include "nnlab/data/transforms.h"
#include "nnlab/option_table.h"

namespace nnlab::data {

struct LoadOptions {
  // mnist, fashion-mnist, cifar10, cifar100, svhn, breast-cancer, iris, wine, digits,
  // csv:PATH (a numeric table with a header) or folder:PATH (PATH/CLASS/*.png|*.jpg).
  std::string name;
  std::filesystem::path data_dir{};  // searched first (itself, then data_dir/NAME)
  bool svhn_extra = false;           // svhn: add extra_32x32.mat's 531131 digits to train
  bool cifar100_coarse = false;      // cifar100: the 20 superclasses instead of the 100 classes
  // csv: the label column, by header name or by index (0-based, negative from the end);
  // empty means the last column.
  std::string target{};
  // folder: resize every image to image_size × image_size (bilinear); 0 keeps their size,
  // which must then be the same for all.
  int64_t image_size = 0;
  int64_t channels = 0;  // folder: 1 or 3; 0 means 1 if every image is grey, else 3
  // Datasets published as one table or one folder get a stratified test split of this
  // fraction, seeded by split_seed (independent of any training seed, so the test set
  // stays the same from run to run).
  double test_fraction = 0.2;
  uint64_t split_seed = 0;

  // The keys: dataset (the name), data_dir, svhn_extra, target, image_size.
  static const OptionTable<LoadOptions>& table();
};

struct Splits {
  Dataset train;
  Dataset test;
};

// Reads the named dataset. A missing named dataset throws DataError listing every
// directory searched, the exact file names expected and where the dataset is published.
Splits load_dataset(const LoadOptions& options);

// A dataset nnlab knows by name.
struct DatasetInfo {
  std::string name;
  std::string description;
  std::vector<std::string> files;  // what a directory must hold (alternatives joined by " or ")
  std::string published;           // where to get it
};
const std::vector<DatasetInfo>& known_datasets();
const DatasetInfo* find_dataset_info(std::string_view name);  // null when not known

// Where a named dataset was found.
struct Location {
  std::optional<std::filesystem::path> dir;  // the directory that holds it, if found
  std::string form;  // e.g. "extracted", "cifar-10-binary.tar.gz", "python" (CIFAR's Python version), ".gz"
  std::vector<std::filesystem::path> searched;
};

// The directories searched for a named dataset, in order: data_dir and data_dir/NAME when
// given (and then only those), else $NNLAB_DATA/NAME, ~/.cache/nnlab/NAME, for CIFAR also
// ~/.keras/datasets (and Keras 3's cifar-*-target folder there) and ./data,
// then /usr/share/datasets/NAME.
std::vector<std::filesystem::path> search_dirs(std::string_view name, const std::filesystem::path& data_dir);
// nnlab's cache of datasets, ~/.cache/nnlab (where `nnlab data get` puts them, each in a
// folder of its name); empty when HOME is not set.
std::filesystem::path cache_root();
Location locate_dataset(std::string_view name, const std::filesystem::path& data_dir);

// The per-channel mean and std that are published for a named dataset's training split
// (pixels in [0, 1]); nullopt for datasets without published values.
std::optional<Normalization> published_normalization(std::string_view name);
// The names published_normalization knows, comma-separated, for messages.
std::string published_normalization_names();

}  // namespace nnlab::data
