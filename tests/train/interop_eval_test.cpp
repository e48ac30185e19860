// Accuracy agrees across frameworks: a lenet5 trained by the PyTorch reference scores the
// same under `nnlab eval`, and one trained by nnlab scores the same in PyTorch (both on the
// 10,000 Fashion-MNIST test images). Needs Debian's python3-torch.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "nnlab/train/checkpoint.h"
#include "support/cli.h"
#include "support/torch_reference.h"

using nnlab::testing::run_cli;
namespace fs = std::filesystem;

namespace {

std::string python(const std::string& args) {
  return nnlab::testing::run_reference_script("torch_fashion_eval.py", args);
}

nlohmann::json last_line(const std::string& out) {
  std::istringstream in(out);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  return nlohmann::json::parse(last);
}

TEST(InteropEval, PyTorchTrainedLenetScoresTheSameInNnlab) {
  if (auto why = nnlab::testing::torch_skip_reason(); !why.empty()) GTEST_SKIP() << why;
  fs::path dir = fs::temp_directory_path() / ("nnlab_interop_eval_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path weights = dir / "torch_lenet5.safetensors";
  const double torch_acc =
      nlohmann::json::parse(python("train --epochs 1 --subset 20000 --out " + weights.string())).at("accuracy");
  // The reference normalises with the published statistics, nnlab eval's default for a
  // file without nnlab metadata.
  auto r = run_cli("eval --model lenet5 --dataset fashion-mnist --weights " + weights.string() + " --json --threads 2");
  ASSERT_EQ(r.code, 0) << r.err;
  const double nnlab_acc = last_line(r.out).at("accuracy");
  EXPECT_NEAR(nnlab_acc, torch_acc, 0.0005) << "PyTorch " << torch_acc << ", nnlab " << nnlab_acc;
  EXPECT_GT(torch_acc, 0.7);
  fs::remove_all(dir);
}

TEST(InteropEval, NnlabTrainedLenetScoresTheSameInPyTorch) {
  if (auto why = nnlab::testing::torch_skip_reason(); !why.empty()) GTEST_SKIP() << why;
  fs::path run = fs::temp_directory_path() / ("nnlab_interop_train_" + std::to_string(::getpid()));
  fs::remove_all(run);
  // The reference scores each image as it is, without nnlab's test-time mirror (eval_flip).
  auto r = run_cli("train --train-subset 6000 --epochs 2 --val-fraction 0 --threads 2 --eval-flip off --out " +
                   run.string() + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const double nnlab_acc = last_line(r.out).at("test_accuracy");
  nnlab::train::WeightsFile w = nnlab::train::load_weights(run / "model.safetensors");
  ASSERT_TRUE(w.info.has_value());
  const auto& norm = w.info->normalization;
  ASSERT_EQ(norm.mean.size(), 1u);
  const double torch_acc = nlohmann::json::parse(python("eval --weights " + (run / "model.safetensors").string() +
                                                        " --mean " + std::to_string(norm.mean[0]) + " --std " +
                                                        std::to_string(norm.std[0])))
                               .at("accuracy");
  EXPECT_NEAR(torch_acc, nnlab_acc, 0.0005) << "nnlab " << nnlab_acc << ", PyTorch " << torch_acc;
  fs::remove_all(run);
}

}  // namespace
