// nnlab export checked by a runtime nobody here wrote: every zoo model, for 1x28x28 and
// 3x32x32 images, exported through the CLI and run by ONNX Runtime (onnxruntime-node) on real
// Fashion-MNIST test images, against nnlab's own eval-mode logits; every file also through
// the ONNX project's full Python checker. 3x32x32 images are the Fashion-MNIST images
// zero-padded to 32x32 (as nnlab's data pipeline pads) with the grey channel copied into
// three; the 32x32-only models see 28x28 images padded to 1x32x32, as in training.
//
// Weights: the zoo's seeded initialisation, with each batch norm given a random affine (γ in
// [0.5, 1.5], β in [-0.3, 0.3]) and running statistics measured on 64 other real test images
// (so folding is exercised with non-trivial values and deep models keep well-scaled logits);
// plus one lenet5 trained for an epoch by `nnlab train` and exported from its run directory.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <mutex>

#include "data/fixtures.h"
#include "export/ort_harness.h"
#include "nnlab/autograd.h"
#include "nnlab/data/data_loader.h"
#include "nnlab/data/datasets.h"
#include "nnlab/export/onnx.h"
#include "nnlab/io/safetensors.h"
#include "nnlab/nn/activation.h"
#include "nnlab/nn/batchnorm.h"
#include "nnlab/nn/sequential.h"
#include "nnlab/train/checkpoint.h"
#include "nnlab/train/config.h"
#include "nnlab/train/data_setup.h"
#include "nnlab/train/trainer.h"
#include "nnlab/zoo/zoo.h"
#include "support/cli.h"

namespace {

namespace fs = std::filesystem;
using namespace nnlab;
using nnlab::testing::run_cli;

constexpr int64_t kImages = 1000;     // class agreement and the 1e-4 logit check, per zoo case
constexpr int64_t kFewImages = 100;   // the opset and batch-norm variants
constexpr int64_t kSmallBatch = 7;    // a second batch size through the symbolic dimension
constexpr double kTolerance = 1e-4;   // max |ORT - nnlab| / max |nnlab logit|

enum class Source { NnlabFile, PlainFile, RunDir };

struct Case {
  std::string model;
  Shape image;  // what the images are: 1x28x28 or 3x32x32
  Source source = Source::NnlabFile;
  int opset = 17;
  bool keep_bn = false;
  int64_t images = kImages;
  zoo::ModelOptions options;  // hidden sizes etc. for mlp variants
  std::string tag;            // a name for the table

  // Filled in by the suite.
  Shape input;  // what the model sees
  std::string onnx;
  Tensor nnlab_logits;
  std::vector<float> ort_logits, ort_small;
  Shape ort_dims, ort_small_dims;
  nlohmann::json session, checked;
};

// The cases: every zoo model for both image shapes at the default opset, half of them from
// nnlab's own weights files (metadata recorded), half from plain safetensors with --model and
// --input given; then batch norm kept as nodes, every other opset, an mlp with every
// activation, batch norm and dropout, and a run directory of nnlab train.
std::vector<Case> make_cases() {
  std::vector<Case> cases;
  for (const zoo::ModelInfo& m : zoo::models()) {
    Case a;
    a.model = m.name;
    a.image = {1, 28, 28};
    a.source = Source::NnlabFile;
    cases.push_back(a);
    Case b = a;
    b.image = {3, 32, 32};
    b.source = Source::PlainFile;
    cases.push_back(b);
  }
  auto variant = [&](std::string model, Shape image, int opset, bool keep_bn) {
    Case c;
    c.model = std::move(model);
    c.image = std::move(image);
    c.opset = opset;
    c.keep_bn = keep_bn;
    c.images = kFewImages;
    return c;
  };
  cases.push_back(variant("vgg11", {3, 32, 32}, 17, true));
  for (int opset = 13; opset <= 17; ++opset) cases.push_back(variant("resnet20", {1, 28, 28}, opset, true));
  cases.push_back(variant("resnet20", {3, 32, 32}, 13, false));
  for (int opset : {13, 17}) {
    Case c = variant("mlp", {1, 28, 28}, opset, false);
    c.options.hidden = {64, 48, 32, 24};
    c.options.activations = {"gelu", "leaky_relu", "tanh", "sigmoid"};
    c.options.batch_norm = true;
    c.options.dropout = 0.3f;
    c.tag = "mlp+bn+dropout+gelu,leaky_relu,tanh,sigmoid";
    cases.push_back(c);
  }
  Case run = variant("lenet5", {1, 28, 28}, 17, false);
  run.source = Source::RunDir;
  run.images = kImages;
  run.tag = "lenet5 (nnlab train run dir)";
  cases.push_back(run);
  for (Case& c : cases) {
    if (c.tag.empty()) c.tag = c.model;
    c.options.name = c.model;
  }
  return cases;
}

// Random batch-norm affine, then running statistics measured on real images: one
// training-mode forward whose hooks store each batch norm's input mean and (unbiased)
// variance as its running statistics, so eval mode normalises as that batch did. Leaves the
// model in eval mode.
void calibrate_batch_norms(nn::Module& model, const Tensor& images, uint64_t seed) {
  Generator gen(seed);
  std::vector<std::pair<nn::Module*, int>> hooks;
  for (auto& [name, m] : model.named_modules()) {
    auto* bn = dynamic_cast<nn::BatchNorm*>(m.get());
    if (!bn) continue;
    const int64_t c = bn->options.num_features;
    bn->weight.copy_(Tensor::uniform({c}, 0.5f, 1.5f, gen));
    bn->bias.copy_(Tensor::uniform({c}, -0.3f, 0.3f, gen));
    hooks.emplace_back(m.get(), m->add_forward_hook([bn, c](nn::Module&, const Tensor& in, const Tensor&) {
      const std::vector<float> x = in.to_vector();
      const int64_t n = in.size(0), per = in.numel() / (n * c);
      std::vector<float> mean(c), var(c);
      for (int64_t k = 0; k < c; ++k) {
        double s = 0, s2 = 0;
        for (int64_t i = 0; i < n; ++i)
          for (int64_t j = 0; j < per; ++j) {
            const double v = x[(i * c + k) * per + j];
            s += v;
            s2 += v * v;
          }
        const double count = static_cast<double>(n * per), mu = s / count;
        mean[k] = static_cast<float>(mu);
        var[k] = static_cast<float>(std::max(0.0, (s2 - count * mu * mu) / (count - 1)));
      }
      bn->running_mean.copy_(Tensor::from_data({c}, mean));
      bn->running_var.copy_(Tensor::from_data({c}, var));
    }));
  }
  if (!hooks.empty()) {
    model.train();
    NoGradGuard no_grad;
    model(images);
  }
  model.eval();
  for (auto& [m, id] : hooks) m->remove_forward_hook(id);
}

// The images as the model sees them, normalised: 28x28 padded to 32x32 where the model or the
// image shape needs it, the grey channel copied into three for 3x32x32.
Tensor image_batch(const data::Dataset& test, int64_t first, int64_t count, const Shape& image,
                   const std::string& model, const data::Normalization& norm) {
  std::vector<int64_t> idx(count);
  for (int64_t i = 0; i < count; ++i) idx[i] = first + i;
  data::Dataset d = data::subset(test, idx, "test");
  if (image[1] == 32) d = data::pad_images(d, 32, 32);
  if (image[0] == 3) {
    data::Dataset rgb = d;
    const size_t plane = static_cast<size_t>(d.height * d.width);
    rgb.channels = 3;
    rgb.pixels.resize(d.pixels.size() * 3);
    for (int64_t i = 0; i < d.size(); ++i)
      for (int ch = 0; ch < 3; ++ch)
        std::copy_n(d.pixels.begin() + i * plane, plane, rgb.pixels.begin() + (i * 3 + ch) * plane);
    d = std::move(rgb);
  }
  d = train::shape_for_model(d, model, 0);  // pads 28x28 for the 32x32-only models
  data::DataLoaderOptions lo;
  lo.batch_size = count;
  lo.normalization = norm;
  data::DataLoader loader(std::make_shared<const data::Dataset>(d), lo);
  loader.start_epoch(0);
  return loader.next()->x;
}

data::Normalization normalization_for(const Shape& image) {
  data::Normalization n = *data::published_normalization("fashion-mnist");
  if (image[0] == 3) {
    n.mean.assign(3, n.mean[0]);
    n.std.assign(3, n.std[0]);
  }
  return n;
}

double relative_diff(const std::vector<float>& ort, const Tensor& nnlab_logits, int64_t rows) {
  const std::vector<float> ref = nnlab_logits.to_vector();
  const size_t n = static_cast<size_t>(rows * nnlab_logits.size(1));
  double diff = 0, scale = 0;
  for (size_t i = 0; i < n && i < ort.size(); ++i) {
    diff = std::max(diff, std::abs(static_cast<double>(ort[i]) - ref[i]));
    scale = std::max(scale, std::abs(static_cast<double>(ref[i])));
  }
  return ort.size() < n ? INFINITY : diff / scale;
}

int64_t same_class(const std::vector<float>& ort, const Tensor& nnlab_logits) {
  const std::vector<float> ref = nnlab_logits.to_vector();
  const int64_t rows = nnlab_logits.size(0), k = nnlab_logits.size(1);
  if (static_cast<int64_t>(ort.size()) != rows * k) return -1;
  int64_t same = 0;
  for (int64_t r = 0; r < rows; ++r) {
    auto a = std::max_element(ort.begin() + r * k, ort.begin() + (r + 1) * k) - (ort.begin() + r * k);
    auto b = std::max_element(ref.begin() + r * k, ref.begin() + (r + 1) * k) - (ref.begin() + r * k);
    same += a == b;
  }
  return same;
}

struct Suite {
  std::string error;  // why the suite could not run
  std::vector<Case> cases;
  std::vector<std::string> fashion_names;
  std::unique_ptr<nnlab::testing::TempDir> tmp;
};

// Builds, exports and runs every case once: one `nnlab export` per case, then one node process
// for all of ONNX Runtime's runs and one python3 process for all the checks.
void run_suite(Suite& s) {
  if (std::string why = nnlab::testing::ort_missing(); !why.empty()) {
    s.error = why;
    return;
  }
  s.tmp = std::make_unique<nnlab::testing::TempDir>();
  const fs::path dir = s.tmp->path();
  data::LoadOptions lo;
  lo.name = "fashion-mnist";
  const data::Dataset test = data::load_dataset(lo).test;
  s.fashion_names = test.class_names;
  s.cases = make_cases();

  nlohmann::json jobs = nlohmann::json::array();
  std::string onnx_files;
  for (size_t i = 0; i < s.cases.size(); ++i) {
    Case& c = s.cases[i];
    const std::string stem = (dir / fmt::format("case{}_{}", i, c.model)).string();
    c.onnx = stem + ".onnx";
    std::string weights = stem + ".safetensors", flags;
    data::Normalization norm = normalization_for(c.image);
    std::shared_ptr<nn::Module> model;
    if (c.source == Source::RunDir) {
      const std::string run_dir = stem + "_run";
      auto r = run_cli("train --model lenet5 --train-subset 2000 --epochs 1 --threads 2 --out " + run_dir);
      if (r.code != 0) {
        s.error = "nnlab train: " + r.err;
        return;
      }
      train::WeightsFile w = train::load_weights(run_dir);
      c.input = w.info->input;
      norm = w.info->normalization;
      model = train::build_model(train::TrainConfig::from_json(w.info->config), c.input, 10);
      model->load_state_dict(w.tensors);
      model->eval();
      weights = run_dir;
    } else {
      c.input = zoo::model_input_shape(c.model, c.image);
      zoo::ModelOptions mo = c.options;
      mo.input = c.input;
      mo.seed = 100 + i;
      model = zoo::build(mo);
      calibrate_batch_norms(*model, image_batch(test, 9000, 64, c.image, c.model, norm), 200 + i);
      if (c.source == Source::NnlabFile) {
        train::TrainConfig config;
        config.model = mo;
        train::WeightsInfo info{norm, config.to_json(), c.input, test.class_names};
        train::save_weights(weights, *model, info);
      } else {
        io::save_safetensors(weights, model->state_dict());
        flags = fmt::format(" --model {} --input {}", c.model, fmt::join(c.image, "x"));
      }
    }
    if (c.keep_bn) flags += " --keep-batchnorm";
    auto r = run_cli(fmt::format("export --weights {}{} --opset {} --out {}", weights, flags, c.opset, c.onnx));
    if (r.code != 0) {
      s.error = fmt::format("nnlab export of case {} ({}): {}", i, c.tag, r.err);
      return;
    }

    const Tensor x = image_batch(test, 0, c.images, c.image, c.model, norm);
    {
      NoGradGuard no_grad;
      c.nnlab_logits = (*model)(x);
    }
    nnlab::testing::write_floats(stem + ".in", x);
    nnlab::testing::write_floats(stem + ".small.in", x.slice(0, kSmallBatch));
    Shape shape = x.shape(), small = x.shape();
    small[0] = kSmallBatch;
    jobs.push_back({{"model", c.onnx},
                    {"runs", {{{"input", stem + ".in"}, {"shape", shape}, {"output", stem + ".out"}},
                              {{"input", stem + ".small.in"}, {"shape", small}, {"output", stem + ".small.out"}}}}});
    onnx_files += " " + c.onnx;
  }

  const fs::path manifest = dir / "manifest.json";
  nnlab::testing::write_text(manifest, nlohmann::json{{"jobs", jobs}, {"report", (dir / "report.json").string()}}.dump());
  auto [node_rc, node_out] = nnlab::testing::run_command(fmt::format(
      "NNLAB_NODE_MODULES={} node {} {}", NNLAB_NODE_MODULES, nnlab::testing::node_script(), manifest.string()));
  if (node_rc != 0) {
    s.error = "node " + nnlab::testing::node_script() + ": " + node_out;
    return;
  }
  const nlohmann::json report = nlohmann::json::parse(std::ifstream(dir / "report.json"));
  for (size_t i = 0; i < s.cases.size(); ++i) {
    Case& c = s.cases[i];
    c.session = report.at(i);
    c.ort_logits = nnlab::testing::read_floats(c.session["runs"][0]["output"].get<std::string>());
    c.ort_small = nnlab::testing::read_floats(c.session["runs"][1]["output"].get<std::string>());
    c.ort_dims = c.session["runs"][0]["dims"].get<Shape>();
    c.ort_small_dims = c.session["runs"][1]["dims"].get<Shape>();
  }

  auto [py_rc, py_out] = nnlab::testing::run_command("/usr/bin/python3 " + nnlab::testing::python_checker() + onnx_files);
  if (py_rc != 0) {
    s.error = "python3 onnx full_check: " + py_out;
    return;
  }
  std::map<std::string, nlohmann::json> checked;
  std::istringstream lines(py_out);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && line[0] == '{') {
      nlohmann::json j = nlohmann::json::parse(line);
      checked[j["file"].get<std::string>()] = j;
    }
  for (Case& c : s.cases) c.checked = checked[c.onnx];
}

const Suite& suite() {
  static Suite s;
  static std::once_flag once;
  std::call_once(once, [] {
    try {
      run_suite(s);
    } catch (const std::exception& e) {
      s.error = std::string("setting up the export cases: ") + e.what();
    }
  });
  return s;
}

std::string dims(const Shape& s) { return fmt::format("{}", fmt::join(s, "x")); }

std::string describe(const Case& c) {
  return fmt::format("{} for {} images (model input {}), opset {}, batch norm {}", c.tag, dims(c.image), dims(c.input),
                     c.opset, c.keep_bn ? "kept" : "folded");
}

// What the ONNX project's full checker (onnx_check.py) says of the file: it passed, and the
// names, shapes, opset, operators and metadata are the ones promised.
void expect_checked(const Suite& s, const Case& c) {
  const nlohmann::json& j = c.checked;
  ASSERT_TRUE(j.is_object()) << describe(c) << ": no report from onnx_check.py";
  const int64_t k = c.nnlab_logits.size(1);
  EXPECT_EQ(j["opsets"][""], c.opset) << describe(c);
  EXPECT_EQ(j["producer"], "nnlab") << describe(c);
  nlohmann::json in_dims = nlohmann::json::array({"N"});
  for (int64_t d : c.input) in_dims.push_back(d);
  EXPECT_EQ(j["inputs"], nlohmann::json::array({{{"name", "input"}, {"dims", in_dims}}})) << describe(c);
  EXPECT_EQ(j["outputs"], nlohmann::json::array({{{"name", "logits"}, {"dims", {"N", k}}}})) << describe(c);
  const auto ops = j["ops"].get<std::vector<std::string>>();
  auto has = [&](const std::string& op) { return std::find(ops.begin(), ops.end(), op) != ops.end(); };
  EXPECT_FALSE(has("Dropout")) << describe(c);
  const bool conv_bn = c.model.rfind("vgg", 0) == 0 || c.model.rfind("resnet", 0) == 0;
  if (conv_bn) {
    EXPECT_EQ(has("BatchNormalization"), c.keep_bn) << describe(c) << ": ops " << j["ops"].dump();
  }
  if (c.options.batch_norm) {
    EXPECT_TRUE(has("BatchNormalization")) << describe(c) << ": bn1d stays a node";
  }
  if (c.model != "logreg" && c.model != "mlp") {
    EXPECT_TRUE(has("Conv")) << describe(c);
  }
  EXPECT_TRUE(has("Gemm")) << describe(c);
  if (c.model.rfind("resnet", 0) == 0) {
    EXPECT_TRUE(has("Add") && has("GlobalAveragePool")) << describe(c);
  }
  if (c.model == "alexnet" || c.model == "lenet5" || c.model.rfind("vgg", 0) == 0) {
    EXPECT_TRUE(has("MaxPool")) << describe(c);
  }
  if (c.options.activations.size() > 1) {
    for (const char* op : {"Erf", "LeakyRelu", "Tanh", "Sigmoid"}) EXPECT_TRUE(has(op)) << describe(c) << ": " << op;
  }

  const nlohmann::json& meta = j["metadata"];
  EXPECT_EQ(meta.value("model", ""), c.model) << describe(c);
  EXPECT_EQ(nlohmann::json::parse(meta.value("input_shape", "null")), nlohmann::json(c.input)) << describe(c);
  if (c.source == Source::PlainFile) {
    EXPECT_FALSE(meta.contains("class_names")) << describe(c) << ": a plain file records no class names";
  } else {
    ASSERT_TRUE(meta.contains("class_names")) << describe(c);
    EXPECT_EQ(nlohmann::json::parse(meta["class_names"].get<std::string>()), nlohmann::json(s.fashion_names))
        << describe(c);
    EXPECT_EQ(meta.value("dataset", ""), "fashion-mnist") << describe(c);
    // Trained (or configured) with Fashion-MNIST's mirrored images: nnlab scored two views.
    EXPECT_EQ(meta.value("eval_flip", ""), "on") << describe(c);
    EXPECT_EQ(nlohmann::json::parse(meta.value("normalization_std", "null")).size(), static_cast<size_t>(c.input[0]))
        << describe(c);
  }
}

// One test, not two: ctest runs each test in its own process, and the cases take a minute to
// build and run.
TEST(OnnxExport, EveryZooModelMatchesOnnxRuntimeAndPassesTheFullChecker) {
  const Suite& s = suite();
  ASSERT_TRUE(s.error.empty()) << s.error;
  fmt::print("{:<46} {:<9} {:<9} {:>5} {:>6} {:>7} {:>13} {:>10}\n", "model", "images", "input", "opset", "bn",
             "count", "max rel diff", "same class");
  for (const Case& c : s.cases) {
    const int64_t n = c.nnlab_logits.size(0), k = c.nnlab_logits.size(1);
    const double diff = relative_diff(c.ort_logits, c.nnlab_logits, n);
    const double diff_small = relative_diff(c.ort_small, c.nnlab_logits, kSmallBatch);
    const int64_t same = same_class(c.ort_logits, c.nnlab_logits);
    fmt::print("{:<46} {:<9} {:<9} {:>5} {:>6} {:>7} {:>13.3g} {:>6}/{}\n", c.tag, dims(c.image), dims(c.input), c.opset, c.keep_bn ? "kept" : "folded", n, diff, same, n);
    EXPECT_EQ(c.ort_dims, (Shape{n, k})) << describe(c);
    EXPECT_EQ(c.ort_small_dims, (Shape{kSmallBatch, k})) << describe(c) << ": the batch dimension is symbolic";
    EXPECT_LT(diff, kTolerance) << describe(c);
    EXPECT_LT(diff_small, kTolerance) << describe(c) << ", batch of " << kSmallBatch;
    EXPECT_EQ(same, n) << describe(c) << ": predicted classes differ";
    EXPECT_EQ(c.session["inputNames"], nlohmann::json::array({"input"})) << describe(c);
    EXPECT_EQ(c.session["outputNames"], nlohmann::json::array({"logits"})) << describe(c);
    expect_checked(s, c);
  }
  std::fflush(stdout);
}

TEST(OnnxExport, BadInputIsRefusedInOneLineAndWritesNothing) {
  nnlab::testing::TempDir tmp;
  zoo::ModelOptions mo;
  mo.name = "lenet5";
  mo.input = {1, 28, 28};
  auto model = zoo::build(mo);
  const std::string plain = (tmp / "lenet5.safetensors").string();
  io::save_safetensors(plain, model->state_dict());
  const std::string out = (tmp / "out.onnx").string();
  auto refused = [&](const std::string& args, int code, const std::string& needle) {
    auto r = run_cli("export --weights " + plain + " " + args + " --out " + out);
    EXPECT_EQ(r.code, code) << args << ": " << r.err;
    const std::string first = r.err.substr(0, r.err.find('\n'));
    EXPECT_EQ(first.rfind("error: ", 0), 0u) << args << ": " << r.err;
    EXPECT_NE(first.find(needle), std::string::npos) << args << ": " << r.err;
    // Usage errors (exit 2) add the pointer to --help on a second line, as every verb does.
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), code == 2 ? 2 : 1) << args << ": " << r.err;
    EXPECT_FALSE(fs::exists(out)) << args;
  };
  refused("--model lenet5 --input 1x28x28 --opset 12", 2, "--opset 12: nnlab writes ONNX opsets 13 to 17");
  refused("--model lenet5 --input 1x28x28 --opset 18", 2, "--opset 18: nnlab writes ONNX opsets 13 to 17");
  refused("--model lenet5 --input 3x32x32", 1, "0.weight (model [6, 3, 5, 5], file [6, 1, 5, 5])");
  refused("--model mlp --input 1x28x28", 1, "missing keys: 1.weight");
  refused("--model lenet5", 2, "--input: give the model's input shape");
  refused("--input 1x28x28", 2, "--model: give the zoo model the weights are for");
  // And the same weights, rightly described, export.
  auto ok = run_cli("export --weights " + plain + " --model lenet5 --input 1x28x28 --opset 13 --out " + out);
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_TRUE(fs::exists(out));
}

}  // namespace

namespace {

// A layer the exporter has no rule for.
class Squash : public nnlab::nn::Module {
 public:
  nnlab::Tensor forward(const nnlab::Tensor& x) override { return x; }
  std::string type_name() const override { return "Squash"; }
};

TEST(OnnxExport, LibraryRefusesUnknownLayersAndOpsetsAndWritesNothing) {
  nnlab::testing::TempDir tmp;
  const fs::path out = tmp / "m.onnx";
  auto seq = std::make_shared<nn::Sequential>();
  seq->push_back(std::make_shared<nn::Flatten>());
  seq->push_back(std::make_shared<Squash>());
  onnx_export::ExportOptions o;
  o.input = {1, 4, 4};
  try {
    onnx_export::export_onnx(*seq, o, out);
    ADD_FAILURE() << "an unknown layer exported";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("module '1' (Squash) has no ONNX form"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(out));
  for (int opset : {12, 18}) {
    o.opset = opset;
    EXPECT_THROW(onnx_export::export_onnx(*seq, o, out), ConfigError) << opset;
  }
  o.opset = 17;
  o.input = {1, 0, 4};
  EXPECT_THROW(onnx_export::export_onnx(*seq, o, out), ShapeError);
  EXPECT_FALSE(fs::exists(out));
  // The model's training flag survives the export's eval-mode forward.
  auto ok = std::make_shared<nn::Sequential>();
  ok->push_back(std::make_shared<nn::Flatten>());
  o.input = {1, 4, 4};
  ok->train();
  onnx_export::export_onnx(*ok, o, out);
  EXPECT_TRUE(ok->is_training());
  EXPECT_GT(fs::file_size(out), 0u);
}

}  // namespace
