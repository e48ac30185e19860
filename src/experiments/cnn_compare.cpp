// cnn-compare, the measurement: six zoo CNNs, each trained by its own recipe
// (cnn_recipes.cpp) under one budget (cnn_budget.h: equal epochs, or equal training time
// per model) on the whole training split, each in its own `nnlab train` process and run
// directory (model_run.h), so that its peak memory is its own and an interrupted comparison
// resumes model by model. --quick keeps the smoke run the tests use: 64 images, one epoch of
// plain Adam for every model. Parameters and FLOPs are counted here on the model as built.
// The report (cnn_compare_report.cpp) is computed from what this returns.
//
// The comparison's directory: runs/MODEL (each model's run directory), logs/ (each child's
// configuration, stdout and stderr), calibration/MODEL (the speed probe of a time budget),
// plans/MODEL.json (the epochs and images a time budget gave the model, kept so a resumed
// model keeps its schedule) and models/MODEL.json (a finished model's entry, which a resumed
// comparison reads instead of training it again).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "experiments/cnn_budget.h"
#include "experiments/cnn_recipes.h"
#include "experiments/dataset_choice.h"
#include "experiments/model_run.h"
#include "experiments/plain_adam.h"
#include "experiments/registry.h"
#include "nnlab/error.h"
#include "nnlab/io/atomic_file.h"
#include "nnlab/train/config.h"
#include "nnlab/train/data_setup.h"
#include "nnlab/zoo/zoo.h"

namespace nnlab::experiments {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::vector<std::string> kModels{"lenet5", "alexnet", "vgg11", "vgg16", "resnet20", "resnet18"};
const char* kDefaultBudget = "time:300s";

// The toy sizes of --quick (a smoke run of seconds); the full run uses the whole splits.
constexpr int64_t kQuickTrain = 64, kQuickTest = 32, kQuickBatch = 32;

struct Setup {
  bool quick = false;
  CnnBudget budget;
  int64_t train_subset = 0, test_subset = 0;
  std::vector<std::string> launcher;
};

std::vector<std::string> chosen_models(const std::vector<std::string>& wanted) {
  if (wanted.empty()) return kModels;
  for (const std::string& m : wanted)
    if (std::find(kModels.begin(), kModels.end(), m) == kModels.end())
      throw ConfigError(fmt::format("`models`: '{}' is not one of cnn-compare's models ({})", m, fmt::join(kModels, ", ")));
  std::vector<std::string> out;
  for (const std::string& m : kModels)  // the experiment's order, whatever order they were given in
    if (std::find(wanted.begin(), wanted.end(), m) != wanted.end()) out.push_back(m);
  return out;
}

train::TrainConfig config_for(const std::string& model, const std::string& dataset, const Setup& s,
                              const ExperimentOptions& o) {
  train::TrainConfig c;
  c.model.name = model;
  c.data.name = dataset;
  c.data.data_dir = o.data_dir;
  c.train_subset = s.train_subset;
  c.test_subset = s.test_subset;
  c.val_fraction = 0;  // nothing is tuned: every training image trains
  c.normalize = "train";
  if (s.quick) {
    c.batch_size = kQuickBatch;
    use_plain_adam(c);
  } else {
    apply_recipe(model, c);
  }
  c.epochs = s.budget.kind == CnnBudget::Kind::Epochs ? s.budget.epochs : 1;
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

json read_json_file(const fs::path& file) {
  json j = json::parse(io::read_file(file, io::kConfigFileLimit * 4, "a cnn-compare file"), nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw IoError(fmt::format("{}: not valid JSON; delete it to redo that step", file.string()));
  return j;
}

ModelRunRequest request_for(const std::string& label, const train::TrainConfig& c, const fs::path& run_dir,
                            const Setup& s, const ExperimentOptions& o) {
  ModelRunRequest q;
  q.label = label;
  q.config = c;
  q.run_dir = run_dir;
  q.logs_dir = o.out / "logs";
  q.trainer = o.trainer;
  q.launcher = s.launcher;
  return q;
}

// A time budget's plan from the model's training speed: two short epochs of the recipe
// (the first pays for oneDNN's primitive creation and warm caches; the second is timed),
// grown until the timed epoch lasts about two seconds so that a fast model's timing is not
// noise. The probe runs the way the real run will (same launcher, threads, batch, augmentation).
json calibrate(const std::string& model, const train::TrainConfig& c, int64_t set_size, const Setup& s,
               const ExperimentOptions& o, ExperimentObserver& observer) {
  int64_t images = std::min(set_size, 8 * c.batch_size);
  for (int attempt = 0;; ++attempt) {
    train::TrainConfig p = c;
    p.epochs = 2;
    p.train_subset = images;
    p.test_subset = s.test_subset > 0 ? std::min<int64_t>(s.test_subset, 100) : 100;
    fit_schedule(p, images);
    const fs::path dir = o.out / "calibration" / model;
    fs::remove_all(dir);
    observer.on_message(fmt::format("cnn-compare: timing {} on {} images for the time budget", model, images));
    ModelRunOutcome r = run_model(request_for(model + ".calibration", p, dir, s, o), observer);
    if (!r.ok) return {{"failed", r.failure}};
    if (r.history.size() < 2) return {{"failed", fmt::format("the speed probe of {} logged no second epoch", model)}};
    const double seconds = r.history[1].value("train_seconds", 0.0);
    if (!(seconds > 0)) return {{"failed", fmt::format("the speed probe of {} logged no training time", model)}};
    if (seconds >= 1.0 || images >= set_size || attempt == 2)
      return {{"probe_images", images}, {"epoch_seconds", seconds}, {"images_per_second", images / seconds}};
    images = std::min(set_size, static_cast<int64_t>(std::ceil(images * 2.0 / seconds)));
  }
}

// The model's plan: from plans/MODEL.json when an earlier session made it (a resumed model
// keeps its schedule), else from the budget (timing the model for a time budget).
json plan_for(const std::string& model, const train::TrainConfig& c, int64_t set_size, const Setup& s,
              const ExperimentOptions& o, ExperimentObserver& observer) {
  const fs::path file = o.out / "plans" / (model + ".json");
  if (fs::exists(file)) return read_json_file(file);
  json plan;
  if (s.budget.kind == CnnBudget::Kind::Epochs) {
    plan = RunPlan{s.budget.epochs, set_size, true, 0, 0}.to_json();
  } else {
    const json timing = calibrate(model, c, set_size, s, o, observer);
    if (timing.contains("failed")) return timing;
    plan = plan_time_budget(s.budget.seconds, timing.at("images_per_second").get<double>(), set_size, c.batch_size)
               .to_json();
    plan["calibration"] = timing;
  }
  fs::create_directories(file.parent_path());
  io::write_file_atomic(file, plan.dump(1) + "\n");
  return plan;
}

double history_train_seconds(const std::vector<json>& history) {
  double s = 0;
  for (const json& e : history) s += e.value("train_seconds", 0.0);
  return s;
}

// Trains the model under its plan (or continues it), or reads it back when an earlier
// session finished it.
json run_one(const std::string& model, train::TrainConfig c, int64_t set_size, const Setup& s,
             const ExperimentOptions& o, ExperimentObserver& observer) {
  const fs::path entry_file = o.out / "models" / (model + ".json");
  if (fs::exists(entry_file)) {
    json entry = read_json_file(entry_file);
    entry["status"] = "finished earlier";
    observer.on_message(fmt::format("cnn-compare: {} finished in an earlier session; not trained again", model));
    return entry;
  }
  json entry{{"model", model}, {"run_dir", (fs::path("runs") / model).string()}};
  auto note_recipe = [&] {
    entry["recipe"] = recipe_json(c);
    if (!s.quick) entry["recipe"]["why"] = recipe_reason(model);
  };
  note_recipe();
  const json plan = plan_for(model, c, set_size, s, o, observer);
  if (plan.contains("failed")) {
    entry["failed"] = plan.at("failed");
    observer.on_message(fmt::format("cnn-compare: {} failed: {}", model, entry["failed"].get<std::string>()));
    return entry;
  }
  entry["plan"] = plan;
  c.epochs = plan.at("epochs").get<int64_t>();
  if (!plan.at("whole_set").get<bool>()) c.train_subset = plan.at("train_images").get<int64_t>();
  fit_schedule(c, plan.at("train_images").get<int64_t>());
  note_recipe();  // as it trains, after the schedule was fitted to the run's length

  const fs::path run = o.out / "runs" / model;
  ModelRunRequest q = request_for(model, c, run, s, o);
  q.resume = fs::exists(run / "checkpoint.safetensors");
  if (!q.resume) fs::remove_all(run);  // killed before its first checkpoint: nothing to keep
  // Trained to its end by an earlier session that was stopped before it noted so.
  std::optional<ModelRunOutcome> done = finished_run(run, c.epochs);
  const ModelRunOutcome r = done ? *done : run_model(q, observer);
  entry["status"] = done ? "finished earlier" : q.resume ? "resumed" : "trained";
  entry["command"] = fmt::format("{}", fmt::join(r.argv, " "));
  // Unknown (null, "n/a" in the report) for a run an earlier session finished.
  entry["peak_rss_bytes"] = r.peak_rss_bytes >= 0 ? json(r.peak_rss_bytes) : json(nullptr);
  entry["wall_seconds"] = r.wall_seconds >= 0 ? json(r.wall_seconds) : json(nullptr);
  entry["history"] = r.history;
  if (!r.ok) {
    entry["failed"] = r.failure;
    observer.on_message(fmt::format("cnn-compare: {} failed: {}", model, r.failure));
    return entry;
  }
  entry["summary"] = r.summary;
  entry["train_seconds"] = history_train_seconds(r.history);
  entry["epochs"] = static_cast<int64_t>(r.history.size());
  return entry;
}

}  // namespace

json measure_cnn_compare(const ExperimentOptions& options, ExperimentObserver& observer) {
  if (options.trainer.empty())
    throw ConfigError(
        "cnn-compare trains each model in its own `nnlab train` process to measure its peak memory: "
        "ExperimentOptions::trainer must name the nnlab program");
  Setup s;
  s.quick = options.quick;
  s.launcher = split_launcher(options.launcher);
  if (s.quick) {
    s.budget = parse_cnn_budget("epochs:1");
    s.train_subset = kQuickTrain;
    s.test_subset = kQuickTest;
  } else {
    s.budget = parse_cnn_budget(options.budget.empty() ? kDefaultBudget : options.budget);
    if (options.train_subset < 0 || options.test_subset < 0)
      throw ConfigError("`train_subset` and `test_subset` must be 0 (the whole split) or a number of images");
    s.train_subset = options.train_subset;
    s.test_subset = options.test_subset;
  }
  const std::vector<std::string> models = chosen_models(options.models);
  const json choice = choose_dataset("svhn", "fashion-mnist", options.data_dir);
  const std::string dataset = choice.at("used");
  // The data once, for the training set's size and the shape and classes the models are counted with.
  const train::TrainConfig probe = config_for(models.front(), dataset, s, options);
  const train::PreparedData data = train::prepare_data(probe);
  const int64_t set_size = data.train.size();
  observer.on_message("cnn-compare: " + data.summary);

  json entries = json::array();
  for (const std::string& m : models) {
    const train::TrainConfig c = config_for(m, dataset, s, options);
    json entry = run_one(m, c, set_size, s, options, observer);
    entry["counts"] = count_model(c, data.train.sample_shape(), data.num_classes);
    if (!entry.contains("failed") && entry.value("status", "") != "finished earlier") {
      fs::create_directories(options.out / "models");
      io::write_file_atomic(options.out / "models" / (m + ".json"), entry.dump(1) + "\n");
    }
    entries.push_back(entry);
  }
  json budget = s.budget.to_json();
  budget.update({{"quick", s.quick},
                 {"train_subset", set_size},
                 {"test_subset", s.test_subset > 0 ? std::min(s.test_subset, data.test.size()) : data.test.size()},
                 {"epochs", s.budget.kind == CnnBudget::Kind::Epochs ? s.budget.epochs : 0},
                 {"normalize", "train"},
                 // The trainer evaluates in batches of max(batch size, 1000) (train/trainer.cpp,
                 // loader_options): the peak memory includes a forward pass over that many images.
                 {"eval_batch_size", 1000},
                 {"seed", options.seed},
                 {"threads", options.threads},
                 {"launcher", options.launcher}});
  return {{"dataset", choice},
          {"data_summary", data.summary},
          {"image_shape", data.train.sample_shape()},
          {"budget", budget},
          {"models", entries}};
}

}  // namespace nnlab::experiments
