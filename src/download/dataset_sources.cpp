// The one table of where each named dataset is published and the MD5 of each file, as
// torchvision lists them (torchvision/datasets/mnist.py for MNIST and Fashion-MNIST,
// svhn.py for SVHN) and as the CIFAR page lists them for the binary versions
// (https://www.cs.toronto.edu/~kriz/cifar.html), which are the ones nnlab reads.
#include <fmt/core.h>

#include "nnlab/download/datasets.h"

namespace nnlab::download {

const std::vector<DatasetSource>& dataset_sources() {
  static const std::vector<DatasetSource> all = {
      // torchvision's first MNIST mirror; the original, yann.lecun.com/exdb/mnist, often refuses downloads.
      {"mnist",
       "https://ossci-datasets.s3.amazonaws.com/mnist/",
       {{"train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"},
        {"train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"},
        {"t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"},
        {"t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"}},
       {}},
      {"fashion-mnist",
       "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
       {{"train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"},
        {"train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"},
        {"t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"},
        {"t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"}},
       {}},
      {"cifar10",
       "https://www.cs.toronto.edu/~kriz/",
       {{"cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530"}},
       {}},
      {"cifar100",
       "https://www.cs.toronto.edu/~kriz/",
       {{"cifar-100-binary.tar.gz", "03b5dce01913d631647c71ecec9e9cb8"}},
       {}},
      {"svhn",
       "http://ufldl.stanford.edu/housenumbers/",
       {{"train_32x32.mat", "e26dedcc434d2e4c54c9b2d4a06d8373"},
        {"test_32x32.mat", "eb5a983be6a315427106f1b164d9cef3"}},
       {{"extra_32x32.mat", "a93ce644f1a588dc4d68dda5feec44a7"}}},
  };
  return all;
}

const DatasetSource* find_source(std::string_view name) {
  for (const DatasetSource& s : dataset_sources())
    if (s.name == name) return &s;
  return nullptr;
}

std::string downloadable_names() {
  std::string out;
  for (const DatasetSource& s : dataset_sources()) out += (out.empty() ? "" : ", ") + s.name;
  return out;
}

}  // namespace nnlab::download
