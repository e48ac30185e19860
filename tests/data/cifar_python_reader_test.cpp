// CIFAR-10/100 in the Python version, as Python 2's cPickle wrote the published files and
// as Python 3 re-pickles them, compared pixel for pixel with the binary version of the same
// images; and where torchvision and Keras leave them.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <optional>

#include "data/cifar_python_reader.h"
#include "data/cifar_python_test_util.h"
#include "data/cifar_reader.h"
#include "data/fixtures.h"
#include "nnlab/data/datasets.h"

using namespace nnlab;
using namespace nnlab::data;
using namespace nnlab::testing;
namespace fs = std::filesystem;

namespace {

// The label formulas make_cifar_python.py uses.
uint8_t cifar10_label(int64_t i) { return static_cast<uint8_t>((i * 7 + i / 13) % 10); }
uint8_t coarse_label(int64_t i) { return static_cast<uint8_t>((i * 3 + 1) % 20); }
uint8_t fine_label(int64_t i) { return static_cast<uint8_t>((i * 11 + i / 7) % 100); }

// The binary version of the same images, read by nnlab's binary reader.
Dataset binary_version(bool cifar100, bool coarse, int64_t first, int64_t n) {
  Dataset d;
  d.channels = 3;
  d.height = d.width = 32;
  std::vector<uint8_t> bytes =
      cifar100 ? cifar_records(first, n, 2, [](int64_t i) { return std::vector<uint8_t>{coarse_label(i), fine_label(i)}; })
               : cifar_records(first, n, 1, [](int64_t i) { return std::vector<uint8_t>{cifar10_label(i)}; });
  detail::append_cifar_records(bytes, "binary.bin", detail::cifar_format(cifar100, coarse), n, d);
  return d;
}

void expect_same(const Dataset& python, const Dataset& binary, const std::string& what) {
  ASSERT_EQ(python.size(), binary.size()) << what;
  ASSERT_EQ(python.sample_shape(), (Shape{3, 32, 32})) << what;
  EXPECT_TRUE(python.labels == binary.labels) << what;
  EXPECT_TRUE(python.pixels == binary.pixels) << what;
}

class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = getenv(name)) old_ = old;
    value ? (void)setenv(name, value->c_str(), 1) : (void)unsetenv(name);
  }
  ~ScopedEnv() { old_ ? (void)setenv(name_, old_->c_str(), 1) : (void)unsetenv(name_); }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class ScopedCwd {
 public:
  explicit ScopedCwd(const fs::path& dir) : old_(fs::current_path()) { fs::current_path(dir); }
  ~ScopedCwd() { fs::current_path(old_); }

 private:
  fs::path old_;
};

constexpr int kPerBatch = 4;

}  // namespace

// The published layout as Python 2 wrote it: folder and tarball give exactly the images
// and labels of the binary version.
TEST(CifarPython, Py2FolderAndTarballMatchTheBinaryVersion) {
  TempDir dir;
  write_cifar_python(dir.path(), "cifar10", kPerBatch, "py2", true);
  const Dataset train = binary_version(false, false, 0, 5 * kPerBatch);
  const Dataset test = binary_version(false, false, 5 * kPerBatch, kPerBatch);

  Location loc = locate_dataset("cifar10", dir.path());
  ASSERT_TRUE(loc.dir);
  EXPECT_EQ(*loc.dir, dir / "cifar-10-batches-py");
  EXPECT_EQ(loc.form, "python");
  Splits s = load_dataset(load_options("cifar10", dir.path()));
  expect_same(s.train, train, "folder train");
  expect_same(s.test, test, "folder test");
  EXPECT_EQ(s.train.source, (dir / "cifar-10-batches-py").string());
  EXPECT_EQ(s.train.class_names, detail::cifar10_names());
  EXPECT_EQ(s.train.num_classes, 10);

  // The tarball, read in place, once the folder is gone; also under Keras's name for it.
  fs::remove_all(dir / "cifar-10-batches-py");
  loc = locate_dataset("cifar10", dir.path());
  ASSERT_TRUE(loc.dir);
  EXPECT_EQ(loc.form, "cifar-10-python.tar.gz");
  s = load_dataset(load_options("cifar10", dir.path()));
  expect_same(s.train, train, "tarball train");
  expect_same(s.test, test, "tarball test");
  EXPECT_EQ(s.train.source, (dir / "cifar-10-python.tar.gz").string());
  fs::rename(dir / "cifar-10-python.tar.gz", dir / "cifar-10-batches-py.tar.gz");
  EXPECT_EQ(locate_dataset("cifar10", dir.path()).form, "cifar-10-batches-py.tar.gz");
  expect_same(load_dataset(load_options("cifar10", dir.path())).test, test, "keras tarball test");
}

// Full size, both versions in one directory's two forms, each through load_dataset: the
// binary reader insists on the published record counts, so this is the real comparison.
TEST(CifarPython, FullSizeGivesTheBinaryVersionsTensorsAndLabels) {
  TempDir dir;
  write_cifar_python(dir / "py", "cifar10", 10000, "py2", false);
  for (int b = 0; b < 5; ++b)
    write_bytes(dir / "bin" / ("data_batch_" + std::to_string(b + 1) + ".bin"),
                cifar_records(b * 10000, 10000, 1, [](int64_t i) { return std::vector<uint8_t>{cifar10_label(i)}; }));
  write_bytes(dir / "bin" / "test_batch.bin",
              cifar_records(50000, 10000, 1, [](int64_t i) { return std::vector<uint8_t>{cifar10_label(i)}; }));
  const Splits binary = load_dataset(load_options("cifar10", dir / "bin"));
  const Splits python = load_dataset(load_options("cifar10", dir / "py"));
  EXPECT_EQ(locate_dataset("cifar10", dir / "py").form, "python");
  EXPECT_EQ(locate_dataset("cifar10", dir / "bin").form, "extracted");
  expect_same(python.train, binary.train, "train");
  expect_same(python.test, binary.test, "test");
  EXPECT_EQ(python.train.size(), 50000);
  EXPECT_EQ(python.train.class_names, binary.train.class_names);
}

// Python 3's pickle re-pickling the loaded files (protocol 2 spells bytes with
// _codecs.encode, 4 with SHORT_BINBYTES and str keys, 5 with _frombuffer and BYTEARRAY8).
TEST(CifarPython, Python3CopiesInProtocols245ReadTheSame) {
  const Dataset train = binary_version(false, false, 0, 5 * kPerBatch);
  const Dataset test = binary_version(false, false, 5 * kPerBatch, kPerBatch);
  for (const char* form : {"p2", "p4", "p5"}) {
    TempDir dir;
    write_cifar_python(dir.path(), "cifar10", kPerBatch, form, false);
    Splits s = load_dataset(load_options("cifar10", dir.path()));
    expect_same(s.train, train, std::string(form) + " train");
    expect_same(s.test, test, std::string(form) + " test");
    EXPECT_EQ(s.train.class_names, detail::cifar10_names()) << form;
  }
}

TEST(CifarPython, Cifar100FineAndCoarseLabelsInFolderAndTarball) {
  for (const char* form : {"py2", "p5"}) {
    TempDir dir;
    write_cifar_python(dir.path(), "cifar100", kPerBatch, form, true);
    EXPECT_EQ(locate_dataset("cifar100", dir.path()).form, "python");
    for (bool coarse : {false, true}) {
      LoadOptions o = load_options("cifar100", dir.path());
      o.cifar100_coarse = coarse;
      Splits s = load_dataset(o);
      const std::string what = std::string(form) + (coarse ? " coarse" : " fine");
      expect_same(s.train, binary_version(true, coarse, 0, 5 * kPerBatch), what);
      expect_same(s.test, binary_version(true, coarse, 5 * kPerBatch, kPerBatch), what);
      EXPECT_EQ(s.train.num_classes, coarse ? 20 : 100);
      EXPECT_EQ(s.train.class_names, coarse ? detail::cifar100_coarse_names() : detail::cifar100_fine_names());
    }
    fs::remove_all(dir / "cifar-100-python");
    EXPECT_EQ(locate_dataset("cifar100", dir.path()).form, "cifar-100-python.tar.gz");
    expect_same(load_dataset(load_options("cifar100", dir.path())).test,
                binary_version(true, false, 5 * kPerBatch, kPerBatch), std::string(form) + " tarball");
  }
}

// Enough images that Python 2's cPickle needed LONG_BINPUT memo keys (over 255) and split
// the label lists into APPENDS batches of 1000, as in the published files.
TEST(CifarPython, LargeBatchWithLongMemoKeysAndBatchedAppends) {
  TempDir dir;
  write_cifar_python(dir.path(), "cifar100", 300, "py2", false);
  const std::vector<uint8_t> train = read_bytes(dir / "cifar-100-python" / "train");
  EXPECT_NE(std::string(train.begin(), train.end()).find(std::string("r\x00\x01\x00\x00", 5)), std::string::npos)
      << "no LONG_BINPUT 256";
  Splits s = load_dataset(load_options("cifar100", dir.path()));
  expect_same(s.train, binary_version(true, false, 0, 1500), "train");
  expect_same(s.test, binary_version(true, false, 1500, 300), "test");
}

// Keras's ~/.keras/datasets (and Keras 3's -target folder in it), torchvision's ./data;
// a --data-dir stays the only place searched.
TEST(CifarPython, FoundWhereKerasAndTorchvisionPutIt) {
  TempDir dir;
  ScopedEnv home("HOME", (dir / "home").string());
  ScopedEnv data("NNLAB_DATA", std::nullopt);
  ScopedEnv keras_home("KERAS_HOME", std::nullopt);
  fs::create_directories(dir / "work");
  ScopedCwd cwd(dir / "work");

  write_cifar_python(dir / "work" / "data", "cifar10", 1, "py2", false);
  Location loc = locate_dataset("cifar10", {});
  ASSERT_TRUE(loc.dir);
  EXPECT_EQ(*loc.dir, dir / "work" / "data" / "cifar-10-batches-py");

  write_cifar_python(dir / "home" / ".keras" / "datasets" / "cifar-10-batches-py-target", "cifar10", 1, "py2", false);
  loc = locate_dataset("cifar10", {});
  ASSERT_TRUE(loc.dir);
  EXPECT_EQ(*loc.dir, dir / "home" / ".keras" / "datasets" / "cifar-10-batches-py-target" / "cifar-10-batches-py");

  write_cifar_python(dir / "home" / ".keras" / "datasets", "cifar100", 1, "py2", true);
  loc = locate_dataset("cifar100", {});
  ASSERT_TRUE(loc.dir);
  EXPECT_EQ(*loc.dir, dir / "home" / ".keras" / "datasets" / "cifar-100-python");
  EXPECT_EQ(load_dataset(load_options("cifar100")).train.size(), 5);

  {
    ScopedEnv keras("KERAS_HOME", (dir / "kh").string());
    write_cifar_python(dir / "kh" / "datasets", "cifar10", 1, "p4", false);
    EXPECT_EQ(*locate_dataset("cifar10", {}).dir, dir / "kh" / "datasets" / "cifar-10-batches-py");
  }
  // Only for CIFAR, and never beside a --data-dir.
  EXPECT_EQ(search_dirs("mnist", {}).size(), 2u);  // ~/.cache/nnlab/mnist, /usr/share/datasets/mnist
  EXPECT_FALSE(locate_dataset("cifar10", dir / "empty").dir.has_value());
  EXPECT_NE(data_error([&] { load_dataset(load_options("cifar10", dir / "empty")); }).find("cifar-10-python.tar.gz"),
            std::string::npos);
}

// Each batch says how many images it holds; a mismatch between images and labels, a label
// out of range or a wrong array is refused with the file named.
TEST(CifarPython, BatchContentsAreChecked) {
  TempDir dir;
  write_cifar_python(dir.path(), "cifar10", 2, "p4", false);
  const fs::path folder = dir / "cifar-10-batches-py";
  std::vector<uint8_t> meta = read_bytes(folder / "batches.meta");
  // A meta file is not a batch.
  Dataset d;
  std::string msg = data_error([&] { detail::append_cifar_python_batch(meta, "m", false, false, d); });
  EXPECT_NE(msg.find("m: the pickled dict has no key 'data'"), std::string::npos) << msg;
  // CIFAR-10's batch read as CIFAR-100's lacks fine_labels.
  std::vector<uint8_t> batch = read_bytes(folder / "data_batch_1");
  msg = data_error([&] { detail::append_cifar_python_batch(batch, "b1", true, false, d); });
  EXPECT_NE(msg.find("b1: the pickled dict has no key 'fine_labels'"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}
