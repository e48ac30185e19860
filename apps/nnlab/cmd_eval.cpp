// nnlab eval: accuracy, loss, per-class table and confusion matrix of saved weights on a
// dataset's test split.
#include <fmt/core.h>

#include "command.h"
#include "download.h"
#include "model_loading.h"
#include "nnlab/data/data_loader.h"
#include "nnlab/data/datasets.h"
#include "nnlab/train/data_setup.h"
#include "nnlab/train/trainer.h"
#include "train_flags.h"

namespace {

struct Options {
  std::unique_ptr<nnlab::cli::TrainFlags> flags;
  std::string weights;
  nnlab::cli::NormalizationFlags norm;
  int64_t batch_size = 1000;
  int threads = 0;
  bool json = false;
  bool download = false;
};

int run(const Options& o) {
  using namespace nnlab;
  cli::apply_threads(o.threads);
  train::WeightsFile weights = train::load_weights(o.weights);
  train::TrainConfig config = cli::config_for(weights, *o.flags);
  // The whole test split unless --test-subset says otherwise (not the run's own subset).
  config.test_subset = o.flags->given().value("test_subset", int64_t{0});

  data::LoadOptions lo = config.data;
  lo.svhn_extra = false;  // evaluation reads the test split only
  if (o.download) cli::fetch_if_missing(lo);
  data::Dataset test = train::shape_for_model(train::test_subset(data::load_dataset(lo).test, config.test_subset),
                                             config.model.name, lo.image_size);
  data::DataLoaderOptions lopt;
  lopt.batch_size = o.batch_size;
  lopt.normalization = cli::choose_normalization(o.norm, weights, config.data.name);
  auto model = cli::load_model(config, test.sample_shape(), test.num_classes, weights);
  const std::vector<std::string> names = test.class_names;
  const int32_t classes = test.num_classes;
  data::DataLoader loader(std::make_shared<const data::Dataset>(std::move(test)), lopt);
  train::ClassificationMetrics m =
      train::evaluate(*model, loader, classes, config.model.binary, config.eval_flip_images());
  if (o.json) {
    nlohmann::json j = m.to_json(names);
    j["weights"] = weights.file.string();
    j["model"] = config.model.name;
    j["dataset"] = config.data.name;
    fmt::print("{}\n", j.dump());
    return 0;
  }
  fmt::print("{} on the {} test split ({} images), weights {}\n\n{}\n{}\naccuracy {:.2f}%  loss {:.4f}\n",
             config.model.name, config.data.name, m.count(), weights.file.string(), m.format_table(names),
             m.format_confusion(names), 100 * m.top1(), m.loss());
  return 0;
}

NNLAB_COMMAND("eval", "Evaluate weights (.safetensors or a run directory) on a dataset's test split", [](CLI::App& verb) {
  auto o = std::make_shared<Options>();
  verb.add_option("--weights", o->weights, "A .safetensors file (nnlab's or PyTorch's) or a run directory")->required();
  o->flags = std::make_unique<nnlab::cli::TrainFlags>(verb, nnlab::cli::TrainFlags::Model | nnlab::cli::TrainFlags::Data);
  verb.add_option("--mean", o->norm.mean, "Per-channel mean of the normalisation (default: from the run, else "
                                          "the dataset's published values)")
      ->delimiter(',');
  verb.add_option("--std", o->norm.std, "Per-channel std of the normalisation")->delimiter(',');
  verb.add_option("--batch-size", o->batch_size, "Evaluation batch size")->capture_default_str();
  nnlab::cli::add_threads_flag(verb, o->threads);
  nnlab::cli::add_download_flag(verb, o->download);
  verb.add_flag("--json", o->json, "Print the metrics as JSON (accuracy, loss, per_class, confusion)");
  return [o] { return run(*o); };
});

}  // namespace
