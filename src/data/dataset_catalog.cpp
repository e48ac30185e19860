#include <map>

#include "data/catalog.h"
#include "nnlab/data/datasets.h"

namespace nnlab::data {
namespace {

std::vector<std::vector<std::string>> idx_files() {
  std::vector<std::vector<std::string>> files;
  for (const char* base : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                           "t10k-labels-idx1-ubyte"})
    files.push_back({std::string(base) + ".gz", base});
  return files;
}

std::vector<std::vector<std::string>> each(std::initializer_list<const char*> names) {
  std::vector<std::vector<std::string>> files;
  for (const char* n : names) files.push_back({n});
  return files;
}

}  // namespace

const std::vector<DatasetInfo>& known_datasets() {
  static const std::vector<DatasetInfo> all = {
      {"mnist", "handwritten digits, 28x28 grey, 60000 train / 10000 test",
       {"train-images-idx3-ubyte[.gz]", "train-labels-idx1-ubyte[.gz]", "t10k-images-idx3-ubyte[.gz]",
        "t10k-labels-idx1-ubyte[.gz]"},
       "http://yann.lecun.com/exdb/mnist/ (mirror: https://ossci-datasets.s3.amazonaws.com/mnist/)"},
      {"fashion-mnist", "Zalando clothing images, 28x28 grey, 60000 train / 10000 test",
       {"train-images-idx3-ubyte[.gz]", "train-labels-idx1-ubyte[.gz]", "t10k-images-idx3-ubyte[.gz]",
        "t10k-labels-idx1-ubyte[.gz]"},
       "https://github.com/zalandoresearch/fashion-mnist (or Debian: apt install dataset-fashion-mnist)"},
      {"cifar10", "tiny colour images in 10 classes, 32x32 RGB, 50000 train / 10000 test",
       {"cifar-10-binary.tar.gz, or data_batch_1.bin ... data_batch_5.bin and test_batch.bin "
        "(directly or in cifar-10-batches-bin/)",
        "or the Python version: cifar-10-python.tar.gz, or data_batch_1 ... data_batch_5 and test_batch "
        "(directly or in cifar-10-batches-py/)"},
       "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz (the binary version; no need to extract it)"},
      {"cifar100", "tiny colour images in 100 classes (20 superclasses), 32x32 RGB, 50000 train / 10000 test",
       {"cifar-100-binary.tar.gz, or train.bin and test.bin (directly or in cifar-100-binary/)",
        "or the Python version: cifar-100-python.tar.gz, or train and test (directly or in cifar-100-python/)"},
       "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz (the binary version; no need to extract it)"},
      {"svhn", "house-number digits, 32x32 RGB, 73257 train / 26032 test (+531131 extra)",
       {"train_32x32.mat", "test_32x32.mat", "extra_32x32.mat (only with `svhn_extra`)"},
       "http://ufldl.stanford.edu/housenumbers/ (format 2, cropped digits)"},
      {"breast-cancer", "Wisconsin diagnostic breast cancer, 569 rows, 30 features, 2 classes",
       {"breast_cancer.csv"}, "scikit-learn's bundled data (Debian: apt install python3-sklearn)"},
      {"iris", "Fisher's iris flowers, 150 rows, 4 features, 3 classes", {"iris.csv"},
       "scikit-learn's bundled data (Debian: apt install python3-sklearn)"},
      {"wine", "wine recognition, 178 rows, 13 features, 3 classes", {"wine_data.csv"},
       "scikit-learn's bundled data (Debian: apt install python3-sklearn)"},
      {"digits", "8x8 handwritten digits as 64 features (0..16), 1797 rows, 10 classes", {"digits.csv.gz"},
       "scikit-learn's bundled data (Debian: apt install python3-sklearn)"},
  };
  return all;
}

const DatasetInfo* find_dataset_info(std::string_view name) {
  for (const auto& info : known_datasets())
    if (info.name == name) return &info;
  return nullptr;
}

namespace {

const std::map<std::string, Normalization, std::less<>>& published_table() {
  // Mean and population std of the training images' pixels in [0, 1], as used by the
  // PyTorch examples and torchvision recipes; `nnlab data inspect` recomputes them.
  static const std::map<std::string, Normalization, std::less<>> table = {
      {"mnist", {{0.1307f}, {0.3081f}}},
      {"fashion-mnist", {{0.2860f}, {0.3530f}}},
      {"cifar10", {{0.4914f, 0.4822f, 0.4465f}, {0.2470f, 0.2435f, 0.2616f}}},
      {"cifar100", {{0.5071f, 0.4865f, 0.4409f}, {0.2673f, 0.2564f, 0.2762f}}},
      {"svhn", {{0.4377f, 0.4438f, 0.4728f}, {0.1980f, 0.2010f, 0.1970f}}},
  };
  return table;
}

}  // namespace

std::string published_normalization_names() {
  std::string out;
  for (const auto& [name, n] : published_table()) out += (out.empty() ? "" : ", ") + name;
  return out;
}

std::optional<Normalization> published_normalization(std::string_view name) {
  const auto& table = published_table();
  auto it = table.find(name);
  if (it == table.end()) return std::nullopt;
  return it->second;
}

namespace detail {

const std::vector<Probe>& probes_of(std::string_view name) {
  static const std::map<std::string, std::vector<Probe>, std::less<>> table = {
      {"mnist", {{"", idx_files(), "idx"}}},
      {"fashion-mnist", {{"", idx_files(), "idx"}}},
      {"cifar10",
       {{"", {{"cifar-10-binary.tar.gz"}}, "cifar-10-binary.tar.gz"},
        {"cifar-10-batches-bin",
         each({"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin",
               "test_batch.bin"}),
         "extracted"},
        {"",
         each({"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin",
               "test_batch.bin"}),
         "extracted"},
        // The Python version (torchvision's and Keras's downloads), extracted or not.
        {"cifar-10-batches-py", each({"data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5",
                                      "test_batch"}),
         "python"},
        {"", each({"data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"}),
         "python"},
        {"", {{"cifar-10-python.tar.gz"}}, "cifar-10-python.tar.gz"},
        {"", {{"cifar-10-batches-py.tar.gz"}}, "cifar-10-batches-py.tar.gz"}}},
      {"cifar100",
       {{"", {{"cifar-100-binary.tar.gz"}}, "cifar-100-binary.tar.gz"},
        {"cifar-100-binary", each({"train.bin", "test.bin"}), "extracted"},
        {"", each({"train.bin", "test.bin"}), "extracted"},
        {"cifar-100-python", each({"train", "test"}), "python"},
        {"", each({"train", "test"}), "python"},
        {"", {{"cifar-100-python.tar.gz"}}, "cifar-100-python.tar.gz"}}},
      {"svhn", {{"", each({"train_32x32.mat", "test_32x32.mat"}), "mat"}}},
      {"breast-cancer", {{"", each({"breast_cancer.csv"}), "csv"}}},
      {"iris", {{"", each({"iris.csv"}), "csv"}}},
      {"wine", {{"", each({"wine_data.csv"}), "csv"}}},
      {"digits", {{"", each({"digits.csv.gz"}), "csv.gz"}}},
  };
  static const std::vector<Probe> none;
  auto it = table.find(name);
  return it == table.end() ? none : it->second;
}

bool is_sklearn_dataset(std::string_view name) {
  return name == "breast-cancer" || name == "iris" || name == "wine" || name == "digits";
}

const std::vector<std::string>& mnist_names() {
  static const std::vector<std::string> names = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  return names;
}

const std::vector<std::string>& fashion_mnist_names() {
  // The label descriptions of https://github.com/zalandoresearch/fashion-mnist#labels.
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

// The CIFAR names, in label order, as the archives' batches.meta.txt,
// fine_label_names.txt and coarse_label_names.txt list them.
const std::vector<std::string>& cifar10_names() {
  static const std::vector<std::string> names = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                 "dog",      "frog",       "horse", "ship", "truck"};
  return names;
}

const std::vector<std::string>& cifar100_fine_names() {
  static const std::vector<std::string> names = {
      "apple",      "aquarium_fish", "baby",         "bear",       "beaver",      "bed",         "bee",
      "beetle",     "bicycle",       "bottle",       "bowl",       "boy",         "bridge",      "bus",
      "butterfly",  "camel",         "can",          "castle",     "caterpillar", "cattle",      "chair",
      "chimpanzee", "clock",         "cloud",        "cockroach",  "couch",       "crab",        "crocodile",
      "cup",        "dinosaur",      "dolphin",      "elephant",   "flatfish",    "forest",      "fox",
      "girl",       "hamster",       "house",        "kangaroo",   "keyboard",    "lamp",        "lawn_mower",
      "leopard",    "lion",          "lizard",       "lobster",    "man",         "maple_tree",  "motorcycle",
      "mountain",   "mouse",         "mushroom",     "oak_tree",   "orange",      "orchid",      "otter",
      "palm_tree",  "pear",          "pickup_truck", "pine_tree",  "plain",       "plate",       "poppy",
      "porcupine",  "possum",        "rabbit",       "raccoon",    "ray",         "road",        "rocket",
      "rose",       "sea",           "seal",         "shark",      "shrew",       "skunk",       "skyscraper",
      "snail",      "snake",         "spider",       "squirrel",   "streetcar",   "sunflower",   "sweet_pepper",
      "table",      "tank",          "telephone",    "television", "tiger",       "tractor",     "train",
      "trout",      "tulip",         "turtle",       "wardrobe",   "whale",       "willow_tree", "wolf",
      "woman",      "worm"};
  return names;
}

const std::vector<std::string>& cifar100_coarse_names() {
  static const std::vector<std::string> names = {"aquatic_mammals",
                                                 "fish",
                                                 "flowers",
                                                 "food_containers",
                                                 "fruit_and_vegetables",
                                                 "household_electrical_devices",
                                                 "household_furniture",
                                                 "insects",
                                                 "large_carnivores",
                                                 "large_man-made_outdoor_things",
                                                 "large_natural_outdoor_scenes",
                                                 "large_omnivores_and_herbivores",
                                                 "medium_mammals",
                                                 "non-insect_invertebrates",
                                                 "people",
                                                 "reptiles",
                                                 "small_mammals",
                                                 "trees",
                                                 "vehicles_1",
                                                 "vehicles_2"};
  return names;
}

}  // namespace detail
}  // namespace nnlab::data
