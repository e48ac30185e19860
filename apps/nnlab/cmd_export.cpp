// nnlab export: saved weights as an ONNX model (the eval-mode graph), checked by libonnx's
// checker before the file is written.
#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "checks.h"
#include "command.h"
#include "model_loading.h"
#include "nnlab/export/onnx.h"
#include "nnlab/train/trainer.h"
#include "nnlab/zoo/zoo.h"
#include "parse.h"
#include "train_flags.h"

namespace {

struct Options {
  std::unique_ptr<nnlab::cli::TrainFlags> flags;
  std::string weights;
  std::string input;
  int64_t classes = 0;
  std::string out;
  int opset = nnlab::onnx_export::kMaxOpset;
  bool keep_batch_norm = false;
  bool json = false;
};

int run(const Options& o) {
  using namespace nnlab;
  namespace ox = onnx_export;
  if (o.opset < ox::kMinOpset || o.opset > ox::kMaxOpset)
    cli::usage_error(fmt::format("--opset {}: nnlab writes ONNX opsets {} to {} (the default is {})", o.opset,
                                 ox::kMinOpset, ox::kMaxOpset, ox::kMaxOpset));
  // Without --weights: the model's initial weights (seed 0, as nnlab bench builds it), for
  // checking or timing a runtime on a model's graph (scripts/compare-onnxruntime).
  const bool initial = o.weights.empty();
  if (initial && (!o.flags->given().contains("model") || o.input.empty()))
    cli::usage_error("--weights: give the weights to export (a .safetensors file or a run directory), or --model and "
                     "--input to export a zoo model with its initial weights");
  train::WeightsFile weights = initial ? train::WeightsFile{} : train::load_weights(o.weights);
  if (!weights.info && !o.flags->given().contains("model"))
    cli::usage_error("--model: give the zoo model the weights are for: " + o.weights + " does not record it");
  train::TrainConfig config = cli::config_for(weights, *o.flags);
  const std::string& model_name = config.model.name;

  Shape input = weights.info ? weights.info->input : Shape{};
  if (!o.input.empty()) input = zoo::model_input_shape(model_name, cli::parse_shape("--input", o.input));
  if (input.empty())
    cli::usage_error("--input: give the model's input shape CxHxW (e.g. 1x28x28) or its number of features: " +
                     o.weights + " does not record it");
  std::vector<std::string> names = weights.info ? weights.info->class_names : std::vector<std::string>{};
  const int64_t classes = o.classes > 0 ? o.classes : (names.empty() ? 10 : static_cast<int64_t>(names.size()));
  if (static_cast<int64_t>(names.size()) != classes) names.clear();
  std::shared_ptr<nn::Module> model;
  if (initial) {
    model = train::build_model(config, input, classes);
    model->eval();
  } else {
    model = cli::load_model(config, input, classes, weights);
  }

  ox::ExportOptions eo;
  eo.opset = o.opset;
  eo.input = input;
  eo.fold_batch_norm = !o.keep_batch_norm;
  eo.graph_name = model_name;
  eo.class_names = names;
  eo.metadata.emplace_back("model", model_name);
  eo.metadata.emplace_back("input_shape", nlohmann::json(input).dump());
  if (weights.info) {
    eo.metadata.emplace_back("dataset", config.data.name);
    if (!weights.info->normalization.empty()) {
      eo.metadata.emplace_back("normalization_mean", nlohmann::json(weights.info->normalization.mean).dump());
      eo.metadata.emplace_back("normalization_std", nlohmann::json(weights.info->normalization.std).dump());
    }
    // The graph is one view; nnlab's reported accuracy averaged two when this is "on".
    eo.metadata.emplace_back("eval_flip", config.eval_flip_images() ? "on" : "off");
  }
  eo.metadata.emplace_back("preprocessing",
                           "pixels scaled to [0, 1], then (x - normalization_mean) / normalization_std per channel; "
                           "28x28 images zero-padded to 32x32 before that for models that take 32x32");
  ox::export_onnx(*model, eo, o.out);

  if (o.json) {
    fmt::print("{}\n", nlohmann::json{{"out", o.out}, {"model", model_name}, {"opset", o.opset},
                                      {"input", input}, {"classes", classes},
                                      {"batch_norm", o.keep_batch_norm ? "BatchNormalization" : "folded"}}
                           .dump());
    return 0;
  }
  fmt::print("wrote {}: {} as ONNX opset {}, input {} [N, {}], output logits [N, {}]{}\n", o.out, model_name,
             o.opset, eo.input_name, fmt::join(input, ", "), classes,
             o.keep_batch_norm ? ", batch norm as BatchNormalization nodes" : "");
  return 0;
}

NNLAB_COMMAND("export", "Export weights (.safetensors or a run directory) as an ONNX model", [](CLI::App& verb) {
  auto o = std::make_shared<Options>();
  verb.add_option("--weights", o->weights,
                  "A .safetensors file (nnlab's or PyTorch's) or a run directory (without it: --model's initial "
                  "weights, those of seed 0, for --input)");
  o->flags = std::make_unique<nnlab::cli::TrainFlags>(verb, nnlab::cli::TrainFlags::Model);
  verb.add_option("--input", o->input,
                  "The input shape CxHxW (or the number of features) of one image (default: recorded in nnlab's "
                  "weights); 28x28 becomes 32x32 for the models that take 32x32");
  verb.add_option("--classes", o->classes, "Number of classes (default: recorded in nnlab's weights, else 10)")
      ->check(nnlab::cli::non_negative());
  verb.add_option("--out", o->out, "The .onnx file to write")->required();
  verb.add_option("--opset", o->opset, "ONNX opset version, 13 to 17")->capture_default_str();
  verb.add_flag("--keep-batchnorm", o->keep_batch_norm,
                "Write batch norm as BatchNormalization nodes instead of folding it into the convolution before it");
  verb.add_flag("--json", o->json, "Print what was written as JSON");
  return [o] { return run(*o); };
});

}  // namespace
