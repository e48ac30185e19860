#include "train/run_setup.h"

#include "nnlab/io/atomic_file.h"
#include "nnlab/optim/make_optimizer.h"
#include "nnlab/optim/make_scheduler.h"
#include "nnlab/optim/param_groups.h"
#include "nnlab/train/trainer.h"

namespace nnlab::train {

namespace fs = std::filesystem;

namespace {

std::unique_ptr<optim::Optimizer> make_optimizer(const TrainConfig& c, nn::Module& model) {
  std::vector<optim::ParamGroup> groups;
  if (c.optimizer.weight_decay.value_or(0) > 0 && !c.decay_bias)
    groups = optim::weight_decay_groups(model.named_parameters());
  else groups.push_back({model.parameters()});
  return optim::make_optimizer(groups, optim::applicable_options(c.optimizer));
}

}  // namespace

Started start_run(TrainConfig& config, RunDirectory& dir, TrainObserver& observer, bool resume, bool writer) {
  try {
    const fs::path checkpoint_file = dir.path / "checkpoint.safetensors";
    if (resume && !fs::exists(checkpoint_file))
      observer.on_message("no checkpoint in " + dir.path.string() + " yet: starting the run from its first epoch");
    // The configuration goes first, before the data are read, so that a run killed at any
    // moment after it started can be resumed from its directory.
    if (writer) io::write_file_atomic(dir.path / "config.json", config.to_json().dump(2) + "\n");
    Started s;
    s.data = prepare_data(config);
    observer.on_message(s.data.summary);
    s.model = build_model(config, s.data.input, s.data.num_classes);
    s.optimizer = make_optimizer(config, *s.model);
    return s;
  } catch (...) {
    discard_unstarted(dir);  // a bad flag or dataset leaves no empty run behind
    throw;
  }
}

Started start_single(TrainConfig& config, RunDirectory& dir, TrainObserver& observer, const ResumePlan* plan) {
  dir = open_run_directory(config, plan != nullptr);
  config.out = dir.path.string();
  if (plan)
    for (const std::string& m : plan->messages) observer.on_message(m);
  return start_run(config, dir, observer, plan != nullptr, true);
}

std::unique_ptr<optim::LRScheduler> make_scheduler(const TrainConfig& c, optim::Optimizer& opt,
                                                    int64_t steps_per_epoch) {
  optim::ScheduleConfig sc = c.schedule;
  sc.epochs = c.epochs;
  sc.steps_per_epoch = steps_per_epoch;
  return optim::make_scheduler(opt, sc);
}

data::DataLoaderOptions loader_options(const TrainConfig& c, const data::Normalization& norm, bool training,
                                       int64_t rank, int64_t ranks) {
  data::DataLoaderOptions o;
  o.batch_size = training ? c.batch_size / ranks : std::max<int64_t>(c.batch_size, 1000);
  o.shard_index = rank;
  o.shard_count = ranks;
  o.shard_pad = training;
  o.shuffle = training;
  o.seed = c.seed;
  o.num_workers = c.workers;
  o.normalization = norm;
  if (training) o.augment = {c.crop, c.flip_images()};
  return o;
}

}  // namespace nnlab::train
