#include <gtest/gtest.h>
#include <matio.h>

#include <zlib.h>

#include "data/fixtures.h"
#include "data/mat_file_check.h"
#include "data/svhn_mat_reader.h"
#include "nnlab/data/datasets.h"

using namespace nnlab;
using namespace nnlab::data;
using namespace nnlab::testing;

namespace {

double svhn_label(int64_t i) { return static_cast<double>(i % 10 + 1); }  // 1..10, 10 for the digit 0

void expect_digits(const Dataset& d, int64_t offset, int64_t first, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    // The label 10 is the digit 0; 1..9 are themselves.
    ASSERT_EQ(d.labels[offset + i], static_cast<int32_t>(svhn_label(i)) % 10) << i;
    auto img = d.image(offset + i);
    for (int c = 0; c < 3; ++c)
      for (int r = 0; r < 32; ++r)
        for (int col = 0; col < 32; ++col)
          ASSERT_EQ(img[(c * 32 + r) * 32 + col], pixel_value(first + i, c, r, col)) << i << " " << c << " " << r << " " << col;
  }
}

// A .mat file with the variables given, written through matio like the fixture.
void write_mat(const std::filesystem::path& file, const std::vector<matvar_t*>& vars) {
  mat_t* mat = Mat_CreateVer(file.c_str(), nullptr, MAT_FT_MAT5);
  for (matvar_t* v : vars) {
    Mat_VarWrite(mat, v, MAT_COMPRESSION_ZLIB);
    Mat_VarFree(v);
  }
  Mat_Close(mat);
}

// MAT-file pieces written by hand, in either byte order, for headers matio would never write.
struct MatBytes {
  bool little = true;
  std::vector<uint8_t> bytes;
  explicit MatBytes(bool le) : little(le) {
    std::string text = "MATLAB 5.0 MAT-file, hand-made";
    text.resize(116, ' ');
    bytes.assign(text.begin(), text.end());
    bytes.resize(124, 0);
    const uint8_t v[2] = {little ? uint8_t{0} : uint8_t{1}, little ? uint8_t{1} : uint8_t{0}};
    bytes.insert(bytes.end(), {v[0], v[1], static_cast<uint8_t>(little ? 'I' : 'M'), static_cast<uint8_t>(little ? 'M' : 'I')});
  }
  static void u32(std::vector<uint8_t>& out, uint32_t x, bool little) {
    for (int k = 0; k < 4; ++k) out.push_back(static_cast<uint8_t>(x >> (little ? 8 * k : 24 - 8 * k)));
  }
  // A matrix element: class, dimensions and `payload` extra bytes (name and data).
  std::vector<uint8_t> matrix(uint8_t cls, const std::vector<uint32_t>& dims, uint32_t dims_bytes, size_t payload) const {
    std::vector<uint8_t> body;
    u32(body, 6, little), u32(body, 8, little), u32(body, cls, little), u32(body, 0, little);
    u32(body, 5, little), u32(body, dims_bytes, little);
    for (uint32_t d : dims) u32(body, d, little);
    body.resize(body.size() + payload, 0);
    std::vector<uint8_t> out;
    u32(out, 14, little), u32(out, static_cast<uint32_t>(body.size()), little);
    out.insert(out.end(), body.begin(), body.end());
    return out;
  }
  void add(const std::vector<uint8_t>& element) { bytes.insert(bytes.end(), element.begin(), element.end()); }
  void add_compressed(const std::vector<uint8_t>& element) {
    std::vector<uint8_t> z(compressBound(element.size()));
    uLongf n = z.size();
    compress(z.data(), &n, element.data(), element.size());
    u32(bytes, 15, little), u32(bytes, static_cast<uint32_t>(n), little);
    bytes.insert(bytes.end(), z.begin(), z.begin() + n);
  }
};

}  // namespace

TEST(SvhnMatReader, ReadsCompressedMatFilesInMatlabOrder) {
  TempDir dir;
  write_svhn_mat(dir / "train_32x32.mat", 0, 300, svhn_label);
  write_svhn_mat(dir / "test_32x32.mat", 1000, 120, svhn_label);
  Splits s = load_dataset(load_options("svhn", dir.path()));
  ASSERT_EQ(s.train.size(), 300);
  ASSERT_EQ(s.test.size(), 120);
  EXPECT_EQ(s.train.sample_shape(), (Shape{3, 32, 32}));
  expect_digits(s.train, 0, 0, 300);
  expect_digits(s.test, 0, 1000, 120);
  EXPECT_EQ(s.train.labels[9], 0);  // y = 10
  EXPECT_EQ(s.train.labels[0], 1);
  EXPECT_EQ(s.train.class_names[0], "0");
}

TEST(SvhnMatReader, ExtraIsAppendedToTrainOnRequest) {
  TempDir dir;
  write_svhn_mat(dir / "train_32x32.mat", 0, 40, svhn_label);
  write_svhn_mat(dir / "test_32x32.mat", 100, 10, svhn_label);
  LoadOptions o = load_options("svhn", dir.path());
  o.svhn_extra = true;
  std::string msg = data_error([&] { load_dataset(o); });
  EXPECT_NE(msg.find("no extra_32x32.mat"), std::string::npos) << msg;
  EXPECT_NE(msg.find("http://ufldl.stanford.edu/housenumbers/extra_32x32.mat"), std::string::npos) << msg;
  write_svhn_mat(dir / "extra_32x32.mat", 500, 60, svhn_label);
  Splits s = load_dataset(o);
  ASSERT_EQ(s.train.size(), 100);
  expect_digits(s.train, 0, 0, 40);
  expect_digits(s.train, 40, 500, 60);
  EXPECT_EQ(load_dataset(load_options("svhn", dir.path())).train.size(), 40);
}

TEST(SvhnMatReader, MissingVariables) {
  TempDir dir;
  size_t ydims[2] = {2, 1};
  double y[2] = {1, 2};
  write_mat(dir / "noX.mat", {Mat_VarCreate("y", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, ydims, y, 0)});
  Dataset d = detail::empty_svhn_split("train", "");
  std::string msg = data_error([&] { detail::append_svhn_mat(dir / "noX.mat", d); });
  EXPECT_NE(msg.find("noX.mat: no readable variable X"), std::string::npos) << msg;

  std::vector<uint8_t> x(3072 * 2, 7);
  size_t xdims[4] = {32, 32, 3, 2};
  write_mat(dir / "noy.mat", {Mat_VarCreate("X", MAT_C_UINT8, MAT_T_UINT8, 4, xdims, x.data(), 0)});
  msg = data_error([&] { detail::append_svhn_mat(dir / "noy.mat", d); });
  EXPECT_NE(msg.find("noy.mat: no readable variable y"), std::string::npos) << msg;
  EXPECT_EQ(d.size(), 0);
}

TEST(SvhnMatReader, WrongShapesAndTypes) {
  TempDir dir;
  Dataset d = detail::empty_svhn_split("train", "");
  size_t ydims[2] = {2, 1};
  double y[2] = {1, 2};
  auto make_y = [&] { return Mat_VarCreate("y", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, ydims, y, 0); };

  std::vector<double> xd(3072 * 2, 1.0);
  size_t xdims[4] = {32, 32, 3, 2};
  write_mat(dir / "double.mat", {Mat_VarCreate("X", MAT_C_DOUBLE, MAT_T_DOUBLE, 4, xdims, xd.data(), 0), make_y()});
  std::string msg = data_error([&] { detail::append_svhn_mat(dir / "double.mat", d); });
  EXPECT_NE(msg.find("X is a double array of 32x32x3x2; SVHN's X is a uint8 array of 32x32x3xN"), std::string::npos) << msg;

  std::vector<uint8_t> x(3 * 32 * 32 * 2, 1);
  size_t hwcn_wrong[4] = {3, 32, 32, 2};  // channels first: not SVHN's layout
  write_mat(dir / "order.mat", {Mat_VarCreate("X", MAT_C_UINT8, MAT_T_UINT8, 4, hwcn_wrong, x.data(), 0), make_y()});
  msg = data_error([&] { detail::append_svhn_mat(dir / "order.mat", d); });
  EXPECT_NE(msg.find("X is a uint8 array of 3x32x32x2"), std::string::npos) << msg;

  size_t y3dims[2] = {3, 1};
  double y3[3] = {1, 2, 3};
  write_mat(dir / "count.mat", {Mat_VarCreate("X", MAT_C_UINT8, MAT_T_UINT8, 4, xdims, x.data(), 0),
                                Mat_VarCreate("y", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, y3dims, y3, 0)});
  msg = data_error([&] { detail::append_svhn_mat(dir / "count.mat", d); });
  EXPECT_NE(msg.find("y is a double array of 3x1 for the 2 images of X"), std::string::npos) << msg;

  char text[2] = {'a', 'b'};
  size_t cdims[2] = {2, 1};
  write_mat(dir / "chary.mat", {Mat_VarCreate("X", MAT_C_UINT8, MAT_T_UINT8, 4, xdims, x.data(), 0),
                                Mat_VarCreate("y", MAT_C_CHAR, MAT_T_UINT8, 2, cdims, text, 0)});
  msg = data_error([&] { detail::append_svhn_mat(dir / "chary.mat", d); });
  EXPECT_NE(msg.find("is a char array, not a numeric one"), std::string::npos) << msg;
  EXPECT_EQ(d.size(), 0);
}

TEST(SvhnMatReader, LabelsOutsideOneToTen) {
  TempDir dir;
  Dataset d = detail::empty_svhn_split("train", "");
  for (double bad : {0.0, 11.0, 2.5}) {
    write_svhn_mat(dir / "bad.mat", 0, 5, [&](int64_t i) { return i == 3 ? bad : 1.0; });
    std::string msg = data_error([&] { detail::append_svhn_mat(dir / "bad.mat", d); });
    EXPECT_NE(msg.find("bad.mat: y(4) is"), std::string::npos) << msg;
    EXPECT_NE(msg.find("SVHN labels are 1..10"), std::string::npos) << msg;
  }
}

TEST(SvhnMatReader, NotAMatFileOrTruncated) {
  TempDir dir;
  Dataset d = detail::empty_svhn_split("train", "");
  write_text(dir / "junk.mat", "MATLAB? no, just text");
  std::string msg = data_error([&] { detail::append_svhn_mat(dir / "junk.mat", d); });
  EXPECT_NE(msg.find("junk.mat: too short for a MATLAB MAT-file header"), std::string::npos) << msg;
  write_text(dir / "text.mat", std::string(200, 'x'));
  msg = data_error([&] { detail::append_svhn_mat(dir / "text.mat", d); });
  EXPECT_NE(msg.find("text.mat: not a MATLAB 5 or 7.3 MAT-file"), std::string::npos) << msg;
  // Found by fuzz_svhn_mat: 20 bytes that read as a MATLAB 4 header made matio allocate
  // and fill 1.8 GB before giving up. MATLAB 4 files cannot hold SVHN's 4-D uint8 X.
  const uint8_t v4_head[] = {0, 0, 0, 0, 0x6e, 0, 0x6e, 0x2c, 0x6e, 0x20, 0x20, 0x03, 0x2c, 0x92, 0x8a, 0x42};
  std::vector<uint8_t> v4(200, 0x20);
  std::copy(std::begin(v4_head), std::end(v4_head), v4.begin());
  write_bytes(dir / "v4.mat", v4);
  msg = data_error([&] { detail::append_svhn_mat(dir / "v4.mat", d); });
  EXPECT_NE(msg.find("v4.mat: not a MATLAB 5 or 7.3 MAT-file"), std::string::npos) << msg;

  write_svhn_mat(dir / "full.mat", 0, 50, svhn_label);
  std::vector<uint8_t> bytes = read_bytes(dir / "full.mat");
  for (size_t keep : {bytes.size() - 10, bytes.size() / 2, size_t{200}, size_t{100}}) {
    write_bytes(dir / "cut.mat", std::vector<uint8_t>(bytes.begin(), bytes.begin() + keep));
    Dataset fresh = detail::empty_svhn_split("train", "");
    msg = data_error([&] { detail::append_svhn_mat(dir / "cut.mat", fresh); });
    EXPECT_NE(msg.find("cut.mat"), std::string::npos) << keep << ": " << msg;
  }
}

// Found by fuzz_svhn_mat: a compressed variable whose header claims 3.4 GB of dimensions
// made matio allocate and fill 5 GB for 8 s. Such headers are refused before matio runs.
TEST(SvhnMatReader, ForgedVariableHeadersNeverReachMatio) {
  TempDir dir;
  auto expect_fault = [&](const MatBytes& m, const std::string& fault) {
    write_bytes(dir / "forged.mat", m.bytes);
    Dataset d = detail::empty_svhn_split("train", "");
    std::string msg = data_error([&] { detail::append_svhn_mat(dir / "forged.mat", d); });
    EXPECT_NE(msg.find(fault), std::string::npos) << msg;
  };
  MatBytes huge_dims(true);
  huge_dims.add_compressed(huge_dims.matrix(9, {32, 32, 3, 2}, 0xCCCCCCD0u, 16));
  expect_fault(huge_dims, "the variable at byte 128 claims 3435973840 bytes of dimensions");

  MatBytes past_end(true);
  std::vector<uint8_t> x = past_end.matrix(9, {32, 32, 3, 1}, 16, 3072);
  x.erase(x.end() - 100, x.end());
  past_end.add(x);
  expect_fault(past_end, "claims 3112 bytes but only 3012 remain");

  MatBytes a_struct(true);
  a_struct.add_compressed(a_struct.matrix(2, {1, 1}, 8, 8));
  expect_fault(a_struct, "the variable at byte 128 is a struct array, not a numeric one");

  MatBytes stray(true);
  stray.add(stray.matrix(6, {1, 1}, 8, 16));
  stray.bytes.insert(stray.bytes.end(), {1, 2, 3});
  expect_fault(stray, "3 stray bytes at the end");

  // Well-formed headers pass in both byte orders.
  for (bool little : {true, false}) {
    MatBytes ok(little);
    ok.add(ok.matrix(6, {1, 1}, 8, 16));
    ok.add_compressed(ok.matrix(9, {32, 32, 3, 7}, 16, 8));
    write_bytes(dir / "ok.mat", ok.bytes);
    EXPECT_NO_THROW(detail::check_mat_file(dir / "ok.mat")) << little;
  }
  write_svhn_mat(dir / "real.mat", 0, 3, svhn_label);
  EXPECT_NO_THROW(detail::check_mat_file(dir / "real.mat"));
}
