// Weights move both ways between nnlab and the PyTorch reference (shared/reference):
// nnlab's .safetensors load into torch_models.py with strict key matching and give the same
// logits, and a file written from PyTorch's state dict loads into nnlab and gives PyTorch's
// logits. Needs Debian's python3-torch (installed by `scripts/setup --tests`).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "nnlab/autograd.h"
#include "nnlab/generator.h"
#include "nnlab/io/safetensors.h"
#include "nnlab/zoo/zoo.h"
#include "support/golden.h"
#include "support/torch_reference.h"

using namespace nnlab;

namespace {

TEST(InteropTorch, WeightsMoveBothWaysWithTheSameLogits) {
  if (auto why = nnlab::testing::torch_skip_reason(); !why.empty()) GTEST_SKIP() << why;
  const std::vector<std::string> models{"logreg", "mlp", "lenet5", "alexnet", "vgg11", "vgg16", "resnet20", "resnet18"};
  const Shape shape{3, 32, 32};
  auto work = std::filesystem::temp_directory_path() / ("nnlab_interop_" + std::to_string(::getpid()));
  std::filesystem::create_directories(work);
  Generator gen(5);
  Tensor x = Tensor::normal({2, 3, 32, 32}, 0, 1, gen);
  io::save_safetensors(work / "input.safetensors", {{"x", x, false}});

  for (const std::string& name : models) {
    auto model = zoo::build({.name = name, .input = shape, .seed = 3});
    // Move the running statistics off their initial values so buffers are checked too.
    model->train();
    {
      NoGradGuard no_grad;
      (*model)(Tensor::normal({4, 3, 32, 32}, 0.5f, 2, gen));
    }
    model->eval();
    NoGradGuard no_grad;
    io::save_safetensors(work / ("nnlab_" + name + ".safetensors"), model->state_dict());
    io::save_safetensors(work / ("nnlab_" + name + "_logits.safetensors"), {{"logits", (*model)(x), false}});
  }
  std::string csv;
  for (auto& m : models) csv += (csv.empty() ? "" : ",") + m;
  auto report = nlohmann::json::parse(nnlab::testing::run_reference_script(
      "torch_interop.py", "--work " + work.string() + " --models " + csv + " --input 3x32x32"));

  for (const std::string& name : models) {
    EXPECT_LE(report.at(name).get<double>(), 1e-4) << name << ": nnlab weights in PyTorch give other logits";
    auto model = zoo::build({.name = name, .input = shape, .seed = 99});
    io::TensorFile f = io::load_safetensors(work / ("torch_" + name + ".safetensors"));
    model->load_state_dict(f.tensors, /*strict=*/true);
    model->eval();
    NoGradGuard no_grad;
    Tensor logits = (*model)(x);
    Tensor want = find_entry(io::load_safetensors(work / ("torch_" + name + "_logits.safetensors")).tensors, "logits")->tensor;
    EXPECT_TRUE(nnlab::testing::close_to(logits, want, 1e-4, name + " PyTorch weights in nnlab"));
    double max_abs = 0;
    auto a = logits.to_vector(), b = want.to_vector();
    for (size_t i = 0; i < a.size(); ++i) max_abs = std::max<double>(max_abs, std::abs(a[i] - b[i]));
    EXPECT_LE(max_abs, 1e-4) << name;
  }
  std::filesystem::remove_all(work);
}

}  // namespace
