#include <fmt/core.h>

#include "data/catalog.h"
#include "data/cifar_python_reader.h"
#include "data/cifar_reader.h"
#include "data/csv_reader.h"
#include "data/dataset_search.h"
#include "data/file_bytes.h"
#include "data/idx_reader.h"
#include "data/image_folder_reader.h"
#include "data/svhn_mat_reader.h"
#include "nnlab/data/datasets.h"
#include "nnlab/error.h"

namespace nnlab::data {
namespace fs = std::filesystem;
namespace {

Splits split_table(Dataset all, const LoadOptions& o) {
  all.name = o.name;
  auto [train, test] = stratified_split(all, o.test_fraction, o.split_seed, "train", "test");
  return {std::move(train), std::move(test)};
}

Splits load_idx(const fs::path& dir, const std::string& name) {
  const auto& classes = name == "mnist" ? detail::mnist_names() : detail::fashion_mnist_names();
  auto file = [&](const std::string& base) { return detail::first_existing(dir, {base + ".gz", base}); };
  return {detail::read_idx_split(file("train-images-idx3-ubyte"), file("train-labels-idx1-ubyte"), name, "train", classes),
          detail::read_idx_split(file("t10k-images-idx3-ubyte"), file("t10k-labels-idx1-ubyte"), name, "test", classes)};
}

Splits load_svhn(const fs::path& dir, bool extra) {
  Splits s{detail::empty_svhn_split("train", dir.string()), detail::empty_svhn_split("test", dir.string())};
  detail::append_svhn_mat(dir / "train_32x32.mat", s.train);
  if (extra) {
    std::error_code ec;
    if (!fs::is_regular_file(dir / "extra_32x32.mat", ec))
      throw DataError(fmt::format("svhn `svhn_extra`: {} has train_32x32.mat but no extra_32x32.mat; download it from "
                                  "http://ufldl.stanford.edu/housenumbers/extra_32x32.mat into that directory",
                                  dir.string()));
    detail::append_svhn_mat(dir / "extra_32x32.mat", s.train);
  }
  detail::append_svhn_mat(dir / "test_32x32.mat", s.test);
  return s;
}

Splits load_sklearn(const fs::path& dir, const LoadOptions& o) {
  detail::SklearnLayout layout;
  fs::path file = dir / detail::probes_of(o.name).front().files.front().front();
  if (o.name == "digits") {
    // digits.csv.gz is the 1797 8x8 images of the UCI optdigits test set, one row each.
    layout = {false, 1797, 64, detail::mnist_names()};
  }
  std::vector<uint8_t> bytes = detail::read_maybe_gzip(file);
  Dataset all = detail::parse_sklearn_table(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), file.string(), layout);
  return split_table(std::move(all), o);
}

void check_options(const LoadOptions& o, bool csv, bool folder) {
  auto reject = [&](bool set, const char* option, const char* applies) {
    if (set) throw ConfigError(fmt::format("{} applies to {} only, not to dataset {}", option, applies, o.name));
  };
  reject(o.svhn_extra && o.name != "svhn", "`svhn_extra`", "svhn");
  reject(o.cifar100_coarse && o.name != "cifar100", "coarse labels", "cifar100");
  reject(!o.target.empty() && !csv, "`target`", "csv:PATH");
  reject(o.image_size != 0 && !folder, "`image_size`", "folder:PATH");
  reject(o.channels != 0 && !folder, "image channels", "folder:PATH");
}

}  // namespace

Splits load_dataset(const LoadOptions& o) {
  const bool csv = o.name.starts_with("csv:"), folder = o.name.starts_with("folder:");
  check_options(o, csv, folder);
  Splits s;
  if (csv) {
    const fs::path path = o.name.substr(4);
    std::vector<uint8_t> bytes = detail::read_maybe_gzip(path);
    s = split_table(detail::parse_csv_table(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                                            path.string(), o.target),
                    o);
  } else if (folder) {
    s = detail::read_image_folder(o.name.substr(7), o);
  } else {
    if (!find_dataset_info(o.name)) {
      std::string names;
      for (const auto& info : known_datasets()) names += info.name + ", ";
      throw ConfigError(fmt::format("unknown dataset '{}'; known: {}csv:PATH, folder:PATH", o.name, names));
    }
    const Location loc = locate_dataset(o.name, o.data_dir);
    if (!loc.dir) throw DataError(detail::missing_dataset_message(o.name, o.data_dir));
    const fs::path& dir = *loc.dir;
    if (o.name == "mnist" || o.name == "fashion-mnist")
      s = load_idx(dir, o.name);
    else if ((o.name == "cifar10" || o.name == "cifar100") && detail::is_cifar_python_form(loc.form))
      s = detail::read_cifar_python(dir, loc.form, o.name == "cifar100", o.cifar100_coarse);
    else if (o.name == "cifar10" || o.name == "cifar100")
      s = detail::read_cifar(dir, loc.form != "extracted", o.name == "cifar100", o.cifar100_coarse);
    else if (o.name == "svhn")
      s = load_svhn(dir, o.svhn_extra);
    else
      s = load_sklearn(dir, o);
  }
  s.train.check();
  s.test.check();
  return s;
}

}  // namespace nnlab::data
