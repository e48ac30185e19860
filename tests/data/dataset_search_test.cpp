#include <gtest/gtest.h>
#include <stdlib.h>

#include "data/fixtures.h"
#include "nnlab/data/datasets.h"

using namespace nnlab;
using namespace nnlab::data;
using namespace nnlab::testing;

namespace {

// Sets an environment variable for one test and puts the old value back.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { old_ ? (void)setenv(name_, old_->c_str(), 1) : (void)unsetenv(name_); }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

TEST(DatasetSearch, OrderIsEnvThenCacheThenSystemAndAGivenDataDirIsTheOnlyPlace) {
  TempDir dir;
  ScopedEnv data("NNLAB_DATA", (dir / "env").string());
  ScopedEnv home("HOME", (dir / "home").string());
  auto dirs = search_dirs("mnist", {});
  ASSERT_EQ(dirs.size(), 3u);
  EXPECT_EQ(dirs[0], dir / "env" / "mnist");
  EXPECT_EQ(dirs[1], dir / "home" / ".cache" / "nnlab" / "mnist");
  EXPECT_EQ(dirs[2], std::filesystem::path("/usr/share/datasets/mnist"));
  EXPECT_EQ(search_dirs("iris", {}).back(), std::filesystem::path("/usr/lib/python3/dist-packages/sklearn/datasets/data"));
  // A --data-dir is where the user says the files are: nothing else is searched.
  dirs = search_dirs("mnist", dir / "given");
  ASSERT_EQ(dirs.size(), 2u);
  EXPECT_EQ(dirs[0], dir / "given");
  EXPECT_EQ(dirs[1], dir / "given" / "mnist");

  // The first place that has the dataset wins.
  write_mnist_dir(dir / "home" / ".cache" / "nnlab" / "mnist", 2, 2, true);
  EXPECT_EQ(*locate_dataset("mnist", {}).dir, dir / "home" / ".cache" / "nnlab" / "mnist");
  EXPECT_FALSE(locate_dataset("mnist", dir / "given").dir.has_value());
  write_mnist_dir(dir / "env" / "mnist", 2, 2, false);
  EXPECT_EQ(*locate_dataset("mnist", {}).dir, dir / "env" / "mnist");
  write_mnist_dir(dir / "given", 3, 2, true);
  EXPECT_EQ(*locate_dataset("mnist", dir / "given").dir, dir / "given");
  EXPECT_EQ(load_dataset(load_options("mnist", dir / "given")).train.size(), 3);
}

TEST(DatasetSearch, MissingDatasetSaysWhereItLookedWhatItWantsAndWhereToGetIt) {
  TempDir dir;
  ScopedEnv data("NNLAB_DATA", (dir / "env").string());
  ScopedEnv home("HOME", (dir / "home").string());
  // A half-finished download: the images but not the labels.
  write_gzip(dir / "env" / "svhn" / "train_32x32.mat", {1});
  std::string msg = data_error([&] { load_dataset(load_options("svhn", dir / "given")); });
  EXPECT_NE(msg.find("dataset svhn not found"), std::string::npos) << msg;
  EXPECT_NE(msg.find((dir / "given").string() + " (no such directory)"), std::string::npos) << msg;
  EXPECT_EQ(msg.find((dir / "env" / "svhn").string()), std::string::npos) << msg;  // not searched beside --data-dir
  msg = data_error([&] { load_dataset(load_options("svhn", {})); });
  EXPECT_NE(msg.find((dir / "env" / "svhn").string() + " (exists, but has no test_32x32.mat)"), std::string::npos) << msg;
  EXPECT_NE(msg.find((dir / "home" / ".cache" / "nnlab" / "svhn").string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("/usr/share/datasets/svhn"), std::string::npos) << msg;
  EXPECT_NE(msg.find("train_32x32.mat"), std::string::npos) << msg;
  EXPECT_NE(msg.find("extra_32x32.mat (only with `svhn_extra`)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("http://ufldl.stanford.edu/housenumbers/"), std::string::npos) << msg;

  msg = data_error([&] { load_dataset(load_options("cifar10", dir / "given")); });
  EXPECT_NE(msg.find("cifar-10-binary.tar.gz"), std::string::npos) << msg;
  EXPECT_NE(msg.find("data_batch_1.bin"), std::string::npos) << msg;
  EXPECT_NE(msg.find("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"), std::string::npos) << msg;
  msg = data_error([&] { load_dataset(load_options("mnist", dir / "given")); });
  EXPECT_NE(msg.find("t10k-labels-idx1-ubyte[.gz]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("yann.lecun.com/exdb/mnist"), std::string::npos) << msg;
}

TEST(DatasetSearch, UnknownNamesAndMisplacedOptions) {
  EXPECT_THROW(load_dataset(load_options("imagenet")), ConfigError);
  LoadOptions o = load_options("mnist");
  o.svhn_extra = true;
  EXPECT_THROW(load_dataset(o), ConfigError);
  o = load_options("iris");
  o.target = "x";
  EXPECT_THROW(load_dataset(o), ConfigError);
  EXPECT_EQ(find_dataset_info("cifar100")->name, "cifar100");
  EXPECT_EQ(find_dataset_info("nope"), nullptr);
  ASSERT_TRUE(published_normalization("fashion-mnist"));
  EXPECT_FLOAT_EQ(published_normalization("fashion-mnist")->mean[0], 0.2860f);
  EXPECT_FLOAT_EQ(published_normalization("fashion-mnist")->std[0], 0.3530f);
  EXPECT_EQ(published_normalization("cifar10")->mean.size(), 3u);
  EXPECT_FALSE(published_normalization("iris"));
}
