// What nnlab knows about each named dataset: the files that make it up and the forms
// they may take in a directory, and the class names its files leave out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nnlab::data::detail {

// One way a directory can hold a dataset: `subdir` (may be empty) holding every file of
// `files`, each given by any one of its alternative names.
struct Probe {
  std::string subdir;
  std::vector<std::vector<std::string>> files;
  std::string form;
};
const std::vector<Probe>& probes_of(std::string_view name);  // empty for unknown names

// Where scikit-learn's bundled tables live when Debian's python3-sklearn is installed.
inline constexpr const char* kSklearnDataDir = "/usr/lib/python3/dist-packages/sklearn/datasets/data";
bool is_sklearn_dataset(std::string_view name);

const std::vector<std::string>& mnist_names();          // "0" .. "9"
const std::vector<std::string>& fashion_mnist_names();  // T-shirt/top, Trouser, ...
const std::vector<std::string>& cifar10_names();
const std::vector<std::string>& cifar100_fine_names();
const std::vector<std::string>& cifar100_coarse_names();

}  // namespace nnlab::data::detail
