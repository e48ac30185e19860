// The keys of data::LoadOptions (see nnlab/option_table.h).
#include "nnlab/data/datasets.h"

namespace nnlab::data {

const OptionTable<LoadOptions>& LoadOptions::table() {
  using L = LoadOptions;
  static const OptionTable<L> t =
      OptionTable<L>()
          .add("dataset", &L::name,
               "mnist, fashion-mnist, cifar10, cifar100, svhn, breast-cancer, iris, wine, digits, csv:PATH, folder:PATH")
          .add_property<std::string>(
              "data_dir", [](const L& o) { return o.data_dir.string(); },
              [](L& o, std::string dir) { o.data_dir = std::move(dir); },
              "Directory searched first for the dataset's files")
          .add("svhn_extra", &L::svhn_extra, "svhn: add extra_32x32.mat to the training set")
          .add("target", &L::target, "csv: the label column (name or index; default the last)")
          .add("image_size", &L::image_size, "Resize images to this square size (0: keep)",
               in_closed(0, 4096).with_note("0 keeps the size"));
  return t;
}

}  // namespace nnlab::data
