// mlp-cifar10 and cnn-compare on the datasets they ask for, when --data-dir holds them:
// format-exact CIFAR-10 and SVHN files written by the data layer's fixtures.
#include "data/fixtures.h"
#include "experiments/experiment_test_util.h"

using namespace nnlab::experiments::testing;
using nlohmann::json;
namespace fs = std::filesystem;

TEST(ExperimentFoundData, MlpRunsOnCifar10FromDataDir) {
  ScratchDir dir;
  // CIFAR-10's binary batches have no header: the reader insists on the published counts.
  const fs::path data = dir.path / "data" / "cifar10";
  auto labels = [](int64_t i) { return std::vector<uint8_t>{static_cast<uint8_t>(i % 10)}; };
  for (int b = 0; b < 5; ++b)
    nnlab::testing::write_bytes(data / ("data_batch_" + std::to_string(b + 1) + ".bin"),
                                nnlab::testing::cifar_records(b * 10000, 10000, 1, labels));
  nnlab::testing::write_bytes(data / "test_batch.bin", nnlab::testing::cifar_records(50000, 10000, 1, labels));
  const fs::path out = dir.path / "mlp";
  auto r = nnlab::testing::run_cli("experiment mlp-cifar10 --quick --threads 2 --data-dir " +
                                   (dir.path / "data").string() + " --out " + out.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const json results = load_json(out / "results.json");
  EXPECT_EQ(results.at("dataset").at("used"), "cifar10");
  EXPECT_FALSE(results.at("dataset").at("fallback").get<bool>());
  EXPECT_EQ(results.at("final").at("config").at("dataset"), "cifar10");
  const std::string report = slurp(out / "report.md");
  EXPECT_EQ(report.rfind("# MLP on CIFAR-10, tuned three ways", 0), 0u);
  EXPECT_TRUE(contains(report, "Data: cifar10 from " + data.string()));
  EXPECT_FALSE(contains(report, "was not found"));
}

TEST(ExperimentFoundData, CnnCompareRunsOnSvhnFromDataDir) {
  ScratchDir dir;
  const fs::path data = dir.path / "data";
  auto label = [](int64_t i) { return static_cast<double>(i % 10 + 1); };  // SVHN writes the digit 0 as 10
  nnlab::testing::write_svhn_mat(data / "svhn" / "train_32x32.mat", 0, 200, label);
  nnlab::testing::write_svhn_mat(data / "svhn" / "test_32x32.mat", 1000, 100, label);
  const fs::path out = dir.path / "cnn";
  auto r = nnlab::testing::run_cli("experiment cnn-compare --quick --threads 2 --data-dir " + data.string() +
                                   " --out " + out.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const json results = load_json(out / "results.json");
  EXPECT_EQ(results.at("dataset").at("used"), "svhn");
  EXPECT_EQ(results.at("image_shape"), (std::vector<int64_t>{3, 32, 32}));
  // Three colour channels: the first convolutions have three times the input weights of the grey case.
  for (const json& m : results.at("models")) {
    ASSERT_FALSE(m.contains("failed")) << m.dump();
    if (m.at("model") == "lenet5") {
      EXPECT_EQ(m.at("counts").at("parameters").get<int64_t>(), 62006);  // MODELS.md
    }
    EXPECT_EQ(m.at("summary").at("test").at("count").get<int64_t>(), 32);
  }
  const std::string report = slurp(out / "report.md");
  EXPECT_EQ(report.rfind("# Six CNNs under one budget on SVHN", 0), 0u);
  EXPECT_FALSE(contains(report, "was not found"));
}
