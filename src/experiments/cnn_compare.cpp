// cnn-compare, the measurement: six zoo CNNs trained under one budget (the same training
// subset, epochs, batch size, optimizer, learning rate, seed and test subset), each in its
// own `nnlab train` process so that its peak memory is its own; parameters and FLOPs are
// counted here on the model as built. The report (cnn_compare_report.cpp) is computed
// from what this returns.
#include <fmt/format.h>

#include <algorithm>
#include <fstream>

#include "experiments/child_run.h"
#include "experiments/dataset_choice.h"
#include "experiments/plain_adam.h"
#include "experiments/registry.h"
#include "nnlab/error.h"
#include "nnlab/io/atomic_file.h"
#include "nnlab/train/config.h"
#include "nnlab/train/data_setup.h"
#include "nnlab/train/trainer.h"
#include "nnlab/zoo/zoo.h"

namespace nnlab::experiments {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::vector<std::string> kModels{"lenet5", "alexnet", "vgg11", "vgg16", "resnet20", "resnet18"};

struct Budget {
  int64_t train_subset, test_subset, epochs, batch_size;
};

// Full: 2000 training images for 4 epochs and 1000 test images per evaluation, sized so
// that the six models train in about half an hour on two cores. Quick: a smoke run.
Budget budget_for(bool quick) { return quick ? Budget{64, 32, 1, 32} : Budget{2000, 1000, 4, 64}; }

train::TrainConfig config_for(const std::string& model, const std::string& dataset, const Budget& b,
                              const ExperimentOptions& o) {
  train::TrainConfig c;
  c.model.name = model;
  c.data.name = dataset;
  c.data.data_dir = o.data_dir;
  c.train_subset = b.train_subset;
  c.test_subset = b.test_subset;
  c.val_fraction = 0;  // nothing is tuned: every training image trains
  c.normalize = "train";
  c.epochs = b.epochs;
  c.batch_size = b.batch_size;
  use_plain_adam(c);
  c.seed = o.seed;
  c.threads = o.threads;
  c.workers = 1;
  return c;
}

// Parameters and forward FLOPs per image of the model as the trainer builds it.
json count_model(const train::TrainConfig& c, const Shape& image, int64_t classes) {
  zoo::ModelOptions mo;
  mo.name = c.model.name;
  mo.input = zoo::model_input_shape(c.model.name, image);
  mo.classes = classes;
  mo.seed = c.seed;
  auto model = zoo::build(mo);
  return {
      {"parameters", model->num_parameters()}, {"flops", zoo::forward_flops(*model, mo.input)}, {"input", mo.input}};
}

std::vector<json> read_jsonl(const fs::path& file) {
  std::vector<json> rows;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) rows.push_back(json::parse(line, nullptr, false));
  return rows;
}

std::string last_lines(const fs::path& file, int n) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  std::string out;
  const size_t keep = static_cast<size_t>(n);
  for (size_t i = lines.size() > keep ? lines.size() - keep : 0; i < lines.size(); ++i) out += lines[i] + "\n";
  return out;
}

json train_one(const std::string& model, const train::TrainConfig& c, const ExperimentOptions& o,
               ExperimentObserver& observer) {
  const fs::path run = o.out / "runs" / model, logs = o.out / "logs";
  fs::create_directories(logs);
  const fs::path config_file = logs / (model + ".config.json");
  train::TrainConfig cc = c;
  cc.out = run.string();
  io::write_file_atomic(config_file, cc.to_json().dump(2) + "\n");
  ChildOptions co;
  co.argv = {o.trainer, "train", "--config", config_file.string(), "--json"};
  co.stdout_file = logs / (model + ".json");
  co.stderr_file = logs / (model + ".log");
  size_t epochs_seen = 0;
  co.on_poll = [&] {  // each new line of the run's metrics.jsonl is an epoch finished
    std::vector<json> rows = read_jsonl(run / "metrics.jsonl");
    for (; epochs_seen < rows.size(); ++epochs_seen)
      if (!rows[epochs_seen].is_discarded()) observer.on_epoch(train::EpochRecord::from_json(rows[epochs_seen]));
  };
  observer.on_message(fmt::format("cnn-compare: training {} (`{}`)", model, fmt::join(co.argv, " ")));
  ChildResult r = run_child(co);
  json out{{"model", model},
           {"command", fmt::format("{}", fmt::join(co.argv, " "))},
           {"peak_rss_bytes", r.peak_rss_bytes},
           {"wall_seconds", r.wall_seconds}};
  if (!r.success()) {
    out["failed"] = fmt::format("nnlab train {}: {}", r.describe(), last_lines(co.stderr_file, 5));
    observer.on_message(fmt::format("cnn-compare: {} failed: {}", model, out["failed"].get<std::string>()));
    return out;
  }
  const std::vector<json> rows = read_jsonl(run / "metrics.jsonl");
  std::vector<json> summary = read_jsonl(co.stdout_file);
  if (summary.empty() || summary.back().is_discarded())
    throw Error(fmt::format("cnn-compare: {} finished without its JSON summary in {}", model, co.stdout_file.string()));
  out["summary"] = summary.back();
  out["history"] = rows;
  return out;
}

}  // namespace

json measure_cnn_compare(const ExperimentOptions& options, ExperimentObserver& observer) {
  if (options.trainer.empty())
    throw ConfigError(
        "cnn-compare trains each model in its own `nnlab train` process to measure its peak memory: "
        "ExperimentOptions::trainer must name the nnlab program");
  const Budget b = budget_for(options.quick);
  const json choice = choose_dataset("svhn", "fashion-mnist", options.data_dir);
  const std::string dataset = choice.at("used");
  // The data once, for the input shape and class count the models are counted with.
  train::TrainConfig probe = config_for("lenet5", dataset, b, options);
  const train::PreparedData data = train::prepare_data(probe);
  observer.on_message("cnn-compare: " + data.summary);

  json models = json::array();
  for (const std::string& m : kModels) {
    const train::TrainConfig c = config_for(m, dataset, b, options);
    json entry = train_one(m, c, options, observer);
    entry["counts"] = count_model(c, data.train.sample_shape(), data.num_classes);
    models.push_back(entry);
  }
  return {{"dataset", choice},
          {"data_summary", data.summary},
          {"image_shape", data.train.sample_shape()},
          {"budget",
           {{"train_subset", b.train_subset},
            {"test_subset", b.test_subset},
            {"epochs", b.epochs},
            {"batch_size", b.batch_size},
            {"optimizer", "adam"},
            {"lr", 1e-3},
            {"normalize", "train"},
            {"augmentation", "none"},
            // The trainer evaluates in batches of max(batch size, 1000) (train/trainer.cpp,
            // loader_options): the peak memory includes a forward pass over that many images.
            {"eval_batch_size", std::max<int64_t>(b.batch_size, 1000)},
            {"seed", options.seed},
            {"threads", options.threads}}},
          {"models", models}};
}

}  // namespace nnlab::experiments
