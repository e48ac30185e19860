// safetensors reading and writing, including corrupt and truncated files.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "nnlab/error.h"
#include "nnlab/io/atomic_file.h"
#include "nnlab/io/safetensors.h"

using namespace nnlab;

namespace {

std::string header_file(const std::string& json, const std::string& data) {
  std::string out(8, '\0');
  uint64_t n = json.size();
  std::memcpy(out.data(), &n, 8);
  return out + json + data;
}

std::string expect_io_error(const std::string& bytes) {
  try {
    io::parse_safetensors(bytes, "model.safetensors");
  } catch (const IoError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for a corrupt file";
  return "";
}

TEST(Safetensors, RoundTripKeepsNamesShapesValuesAndIntegers) {
  StateDict d{{"a.weight", Tensor::from_data({2, 2}, std::vector<float>{1, -2, 3.5f, 4}), false},
              {"bn.num_batches_tracked", Tensor::scalar(17), true},
              {"empty", Tensor::zeros({0, 3}), false}};
  std::string bytes = io::serialize_safetensors(d, {{"format", "pt"}});
  uint64_t header;
  std::memcpy(&header, bytes.data(), 8);
  EXPECT_EQ((8 + header) % 8, 0u) << "data must start 8-byte aligned";
  io::TensorFile f = io::parse_safetensors(bytes, "mem");
  ASSERT_EQ(f.tensors.size(), 3u);
  EXPECT_EQ(f.metadata.at("format"), "pt");
  const StateEntry* w = find_entry(f.tensors, "a.weight");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->tensor.shape(), (Shape{2, 2}));
  EXPECT_EQ(w->tensor.to_vector(), (std::vector<float>{1, -2, 3.5f, 4}));
  const StateEntry* n = find_entry(f.tensors, "bn.num_batches_tracked");
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->integer);
  EXPECT_EQ(n->tensor.shape(), Shape{});
  EXPECT_EQ(n->tensor.item(), 17);
  EXPECT_EQ(find_entry(f.tensors, "empty")->tensor.shape(), (Shape{0, 3}));
}

TEST(Safetensors, ReadsOtherDtypes) {
  // F16 1.5 = 0x3E00, BF16 -2 = 0xC000, I64 -3, F64 0.25.
  std::string data;
  uint16_t h = 0x3E00, b = 0xC000;
  int64_t i = -3;
  double d = 0.25;
  data.append(reinterpret_cast<char*>(&h), 2).append(reinterpret_cast<char*>(&b), 2);
  data.append(reinterpret_cast<char*>(&i), 8).append(reinterpret_cast<char*>(&d), 8);
  std::string json =
      R"({"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[2,4]},)"
      R"("i":{"dtype":"I64","shape":[],"data_offsets":[4,12]},"d":{"dtype":"F64","shape":[1],"data_offsets":[12,20]}})";
  io::TensorFile f = io::parse_safetensors(header_file(json, data), "mem");
  EXPECT_EQ(find_entry(f.tensors, "h")->tensor.item(), 1.5f);
  EXPECT_EQ(find_entry(f.tensors, "b")->tensor.item(), -2.0f);
  EXPECT_EQ(find_entry(f.tensors, "i")->tensor.item(), -3.0f);
  EXPECT_EQ(find_entry(f.tensors, "d")->tensor.item(), 0.25f);
}

TEST(Safetensors, CorruptFilesAreErrorsNamingTheFault) {
  EXPECT_NE(expect_io_error("abc").find("too short"), std::string::npos);
  EXPECT_NE(expect_io_error(header_file("{", "")).find("does not parse"), std::string::npos);
  std::string huge(8, '\xff');
  EXPECT_NE(expect_io_error(huge).find("JSON header would be"), std::string::npos);
  EXPECT_NE(expect_io_error(header_file(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", "12345678"))
                .find("outside"),
            std::string::npos);
  EXPECT_NE(expect_io_error(header_file(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", "12345678"))
                .find("needs 12 bytes"),
            std::string::npos);
  EXPECT_NE(expect_io_error(header_file(R"({"w":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}})", "12345678"))
                .find("unsupported dtype"),
            std::string::npos);
  EXPECT_NE(expect_io_error(header_file(R"({"w":{"shape":[2],"data_offsets":[0,8]}})", "12345678")).find("'w'"),
            std::string::npos);
  EXPECT_NE(expect_io_error(header_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                        R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                                        "12345678"))
                .find("overlaps"),
            std::string::npos);
}

TEST(Safetensors, TruncatedFileOnDiskIsAnError) {
  auto path = std::filesystem::temp_directory_path() / "nnlab_truncated.safetensors";
  std::string bytes = io::serialize_safetensors({{"w", Tensor::ones({100}), false}}, {});
  io::write_file_atomic(path, bytes.substr(0, bytes.size() - 10));
  try {
    io::load_safetensors(path);
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
  EXPECT_THROW(io::load_safetensors("/nonexistent/dir/w.safetensors"), IoError);
}

}  // namespace
