// nnlab predict on real Fashion-MNIST test images saved as PNG files: it gives the class
// the same model gives those images through the dataset path.
#include <gtest/gtest.h>
#include <stb/stb_image_write.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "nnlab/autograd.h"
#include "nnlab/data/data_loader.h"
#include "nnlab/data/datasets.h"
#include "nnlab/train/checkpoint.h"
#include "nnlab/ops/activation.h"
#include "nnlab/train/trainer.h"
#include "support/cli.h"

using nnlab::testing::run_cli;
namespace fs = std::filesystem;

namespace {

TEST(CliPredict, ClassifiesPngFilesLikeTheDatasetPath) {
  fs::path dir = fs::temp_directory_path() / ("nnlab_predict_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto r = run_cli("train --model mlp --hidden 64 --train-subset 3000 --epochs 2 --threads 2 --out " +
                   (dir / "run").string() + " --json");
  ASSERT_EQ(r.code, 0) << r.err;

  nnlab::data::LoadOptions lo;
  lo.name = "fashion-mnist";
  nnlab::data::Dataset test = nnlab::data::load_dataset(lo).test;
  std::string files;
  for (int i = 0; i < 4; ++i) {
    fs::path png = dir / ("img" + std::to_string(i) + ".png");
    ASSERT_TRUE(stbi_write_png(png.c_str(), 28, 28, 1, test.image(i).data(), 28));
    files += " " + png.string();
  }
  auto p = run_cli("predict --weights " + (dir / "run").string() + " --json --top 3" + files);
  ASSERT_EQ(p.code, 0) << p.err;
  auto rows = nlohmann::json::parse(p.out);
  ASSERT_EQ(rows.size(), 4u);

  // The same weights through the library's dataset path.
  nnlab::train::WeightsFile w = nnlab::train::load_weights(dir / "run");
  auto config = nnlab::train::TrainConfig::from_json(w.info->config);
  auto model = nnlab::train::build_model(config, w.info->input, 10);
  model->load_state_dict(w.tensors);
  model->eval();
  nnlab::data::Dataset four = nnlab::data::subset(test, std::vector<int64_t>{0, 1, 2, 3}, "test");
  nnlab::data::DataLoaderOptions options;
  options.batch_size = 4;
  options.normalization = w.info->normalization;
  nnlab::data::DataLoader loader(std::make_shared<const nnlab::data::Dataset>(four), options);
  loader.start_epoch(0);
  nnlab::NoGradGuard no_grad;
  // Scored as the run evaluated: Fashion-MNIST is mirrored in training, so by the mean of
  // each image's and its mirror's logits (eval_flip).
  ASSERT_TRUE(config.eval_flip_images());
  nnlab::Tensor logits = nnlab::train::eval_logits(*model, loader.next()->x, true);
  const nnlab::Tensor probs = nnlab::softmax(logits, 1);
  for (int i = 0; i < 4; ++i) {
    int64_t best = 0;
    for (int64_t c = 1; c < 10; ++c)
      if (logits.at({i, c}) > logits.at({i, best})) best = c;
    const auto& preds = rows[i].at("predictions");
    ASSERT_EQ(preds.size(), 3u);
    EXPECT_EQ(preds[0].at("class").get<int64_t>(), best) << rows[i].dump();
    EXPECT_EQ(preds[0].at("name").get<std::string>(), test.class_names[best]);
    EXPECT_NEAR(preds[0].at("probability").get<double>(), probs.at({i, best}), 1e-5);
    EXPECT_GE(preds[0].at("probability").get<double>(), preds[1].at("probability").get<double>());
  }
  auto bad = run_cli("predict --weights " + (dir / "run").string() + " " + (dir / "run" / "config.json").string());
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("config.json"), std::string::npos) << bad.err;
  fs::remove_all(dir);
}

}  // namespace
