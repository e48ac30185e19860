// End-to-end tests of `nnlab models`, `nnlab weights` and the CLI's error handling.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "nnlab/io/atomic_file.h"
#include "nnlab/io/safetensors.h"
#include "nnlab/zoo/zoo.h"
#include "support/cli.h"

using nnlab::testing::run_cli;

namespace {

TEST(CliModels, JsonListsEveryModelWithReferenceCounts) {
  auto r = run_cli("models --input 1x28x28 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto rows = nlohmann::json::parse(r.out);
  ASSERT_EQ(rows.size(), 8u);
  std::map<std::string, std::pair<int64_t, int64_t>> want{
      {"logreg", {7850, 15680}},         {"mlp", {535818, 1070080}},        {"lenet5", {61706, 832640}},
      {"alexnet", {23271114, 124895232}}, {"vgg11", {9227210, 303180288}},  {"vgg16", {14722890, 624044032}},
      {"resnet20", {272186, 81036672}},  {"resnet18", {11172810, 1108486144}}};
  for (auto& row : rows) {
    auto& [params, flops] = want.at(row.at("name").get<std::string>());
    EXPECT_EQ(row.at("params").get<int64_t>(), params) << row;
    EXPECT_NEAR(row.at("flops").get<int64_t>() / 1e6, flops / 1e6, 0.001) << row;
  }
}

TEST(CliModels, UsageErrorsExitTwoAndNameTheFlag) {
  auto r = run_cli("models --input 3x32");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--input"), std::string::npos) << r.err;
  r = run_cli("models --bogus");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--bogus"), std::string::npos) << r.err;
  r = run_cli("frobnicate");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(run_cli("models --help").code, 0);
}

TEST(CliWeights, CorruptOrMismatchedFilesAreErrorsNotCrashes) {
  namespace fs = std::filesystem;
  auto dir = fs::temp_directory_path() / ("nnlab_cli_weights_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto lenet = nnlab::zoo::build({.name = "lenet5", .input = {3, 32, 32}});
  nnlab::io::save_safetensors(dir / "lenet5.safetensors", lenet->state_dict());

  auto r = run_cli("weights " + (dir / "lenet5.safetensors").string() + " --model lenet5 --input 3x32x32");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("every key and shape matching"), std::string::npos);

  r = run_cli("weights " + (dir / "lenet5.safetensors").string() + " --model lenet5 --input 1x28x28");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("0.weight (model [6, 1, 5, 5], file [6, 3, 5, 5])"), std::string::npos) << r.err;

  r = run_cli("weights " + (dir / "lenet5.safetensors").string() + " --model resnet20");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("missing keys"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unexpected keys"), std::string::npos) << r.err;

  nnlab::io::write_file_atomic(dir / "corrupt.safetensors", std::string("\x10\0\0\0\0\0\0\0{not json", 17));
  r = run_cli("weights " + (dir / "corrupt.safetensors").string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("corrupt.safetensors: not a valid safetensors file"), std::string::npos) << r.err;

  r = run_cli("weights " + (dir / "missing.safetensors").string());
  EXPECT_EQ(r.code, 2) << r.err;  // CLI11's ExistingFile check: a usage error
  fs::remove_all(dir);
}

}  // namespace
