// nnlab predict: the class and probability a model gives each image file.
#include <fmt/core.h>

#include "checks.h"
#include "command.h"
#include "model_loading.h"
#include "nnlab/autograd.h"
#include "nnlab/data/data_loader.h"
#include "nnlab/data/datasets.h"
#include "nnlab/data/image_files.h"
#include "nnlab/ops/activation.h"
#include "nnlab/train/trainer.h"
#include "parse.h"
#include "train_flags.h"

namespace {

struct Options {
  std::unique_ptr<nnlab::cli::TrainFlags> flags;
  std::string weights;
  std::vector<std::string> images;
  std::string input;
  std::string dataset;
  int64_t classes = 0;
  int64_t top = 1;
  nnlab::cli::NormalizationFlags norm;
  int threads = 0;
  bool json = false;
};

int run(const Options& o) {
  using namespace nnlab;
  cli::apply_threads(o.threads);
  if (o.top < 1) cli::usage_error(fmt::format("--top {}: give at least 1 class to show", o.top));
  if (!o.dataset.empty() && !data::published_normalization(o.dataset))
    cli::usage_error(fmt::format("--dataset '{}': no published normalisation for it; known are {} (or give --mean "
                                 "and --std)",
                                 o.dataset, data::published_normalization_names()));
  train::WeightsFile weights = train::load_weights(o.weights);
  train::TrainConfig config = cli::config_for(weights, *o.flags);
  const bool mirrored = config.eval_flip_images();  // as the run evaluated, whatever --dataset says
  if (!o.dataset.empty()) config.data.name = o.dataset;
  else if (!weights.info) config.data.name.clear();  // a foreign file: no normalisation unless asked

  Shape input = weights.info ? weights.info->input : Shape{};
  if (!o.input.empty()) input = cli::parse_shape("--input", o.input);
  if (input.size() != 3)
    cli::usage_error("--input: give the model's image shape CxHxW (e.g. 1x28x28): " + o.weights +
                     " does not record it");
  std::vector<std::string> names = weights.info ? weights.info->class_names : std::vector<std::string>{};
  int64_t classes = o.classes > 0 ? o.classes : (names.empty() ? 10 : static_cast<int64_t>(names.size()));
  auto model = cli::load_model(config, input, classes, weights);

  std::vector<std::filesystem::path> files(o.images.begin(), o.images.end());
  data::DataLoaderOptions lopt;
  lopt.batch_size = 256;
  lopt.normalization = cli::choose_normalization(o.norm, weights, config.data.name);
  data::DataLoader loader(std::make_shared<const data::Dataset>(data::read_image_files(files, input[0], input[1], input[2])),
                          lopt);
  nlohmann::json out = nlohmann::json::array();
  NoGradGuard no_grad;
  loader.start_epoch(0);
  size_t i = 0;
  while (auto b = loader.next()) {
    Tensor probs = softmax(train::eval_logits(*model, b->x, mirrored), 1);
    for (int64_t r = 0; r < probs.size(0); ++r, ++i) {
      std::vector<std::pair<float, int64_t>> ranked;
      for (int64_t c = 0; c < classes; ++c) ranked.emplace_back(probs.at({r, c}), c);
      std::stable_sort(ranked.begin(), ranked.end(), [](auto& a, auto& b) { return a.first > b.first; });
      nlohmann::json row{{"file", o.images[i]}, {"predictions", nlohmann::json::array()}};
      for (int64_t k = 0; k < std::min<int64_t>(o.top, classes); ++k) {
        auto [p, c] = ranked[k];
        std::string name = c < static_cast<int64_t>(names.size()) ? names[c] : std::to_string(c);
        row["predictions"].push_back({{"class", c}, {"name", name}, {"probability", p}});
        if (!o.json) fmt::print("{}{}\t{} ({})\t{:.4f}\n", k == 0 ? "" : "  ", k == 0 ? o.images[i] : "", c, name, p);
      }
      out.push_back(row);
    }
  }
  if (o.json) fmt::print("{}\n", out.dump());
  return 0;
}

NNLAB_COMMAND("predict", "Classify image files with saved weights", [](CLI::App& verb) {
  auto o = std::make_shared<Options>();
  verb.add_option("--weights", o->weights, "A .safetensors file or a run directory")->required();
  verb.add_option("images", o->images, "PNG, JPEG or BMP files")->required()->check(CLI::ExistingFile);
  o->flags = std::make_unique<nnlab::cli::TrainFlags>(verb, nnlab::cli::TrainFlags::Model);
  verb.add_option("--input", o->input, "The model's image shape CxHxW (default: recorded in nnlab's weights)");
  verb.add_option("--classes", o->classes, "Number of classes (default: recorded in nnlab's weights, else 10)")
      ->check(nnlab::cli::non_negative());
  verb.add_option("--dataset", o->dataset,
                  "Use this dataset's published normalisation (default: what the weights were trained with)");
  verb.add_option("--top", o->top, "Show the top K classes")->capture_default_str();
  verb.add_option("--mean", o->norm.mean, "Per-channel normalisation mean")->delimiter(',');
  verb.add_option("--std", o->norm.std, "Per-channel normalisation std")->delimiter(',');
  nnlab::cli::add_threads_flag(verb, o->threads);
  verb.add_flag("--json", o->json, "Print JSON: per file, the top classes with probabilities");
  return [o] { return run(*o); };
});

}  // namespace
