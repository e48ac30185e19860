#include "nnlab/train/trainer.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "nnlab/autograd.h"
#include "nnlab/backend.h"
#include "nnlab/dist/replica_group.h"
#include "nnlab/error.h"
#include "nnlab/io/atomic_file.h"
#include "nnlab/precision.h"
#include "nnlab/ops/loss.h"
#include "nnlab/optim/clip_grad.h"
#include "nnlab/optim/make_optimizer.h"
#include "nnlab/optim/make_scheduler.h"
#include "nnlab/optim/param_groups.h"
#include "nnlab/train/checkpoint.h"
#include "nnlab/train/data_setup.h"
#include "nnlab/train/weight_average.h"
#include "nnlab/zoo/zoo.h"
#include "train/binary_head.h"
#include "train/replicas.h"
#include "train/resume.h"
#include "train/run_directory.h"
#include "train/step_log.h"
#include "train/sync_batchnorm.h"

namespace nnlab::train {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::unique_ptr<optim::Optimizer> make_optimizer(const TrainConfig& c, nn::Module& model) {
  std::vector<optim::ParamGroup> groups;
  if (c.optimizer.weight_decay.value_or(0) > 0 && !c.decay_bias)
    groups = optim::weight_decay_groups(model.named_parameters());
  else groups.push_back({model.parameters()});
  return optim::make_optimizer(groups, optim::applicable_options(c.optimizer));
}

std::unique_ptr<optim::LRScheduler> make_scheduler(const TrainConfig& c, optim::Optimizer& opt,
                                                    int64_t steps_per_epoch) {
  optim::ScheduleConfig sc = c.schedule;
  sc.epochs = c.epochs;
  sc.steps_per_epoch = steps_per_epoch;
  return optim::make_scheduler(opt, sc);
}

// Under mpirun each rank loads its share of every epoch: `batch_size` is the global batch.
data::DataLoaderOptions loader_options(const TrainConfig& c, const data::Normalization& norm, bool training,
                                       const dist::ReplicaGroup& group) {
  data::DataLoaderOptions o;
  o.batch_size = training ? c.batch_size / group.size() : std::max<int64_t>(c.batch_size, 1000);
  o.shard_index = group.rank();
  o.shard_count = group.size();
  o.shard_pad = training;
  o.shuffle = training;
  o.seed = c.seed;
  o.num_workers = c.workers;
  o.normalization = norm;
  if (training) o.augment = {c.crop, c.flip_images()};
  return o;
}

// The divergence guard's message: where it happened and what is left.
[[noreturn]] void diverged(int64_t epoch, int64_t step, double loss, const fs::path& run_dir, int64_t epochs_done) {
  std::string kept = epochs_done > 0 ? fmt::format("the checkpoint of epoch {} and its weights in {} are intact",
                                                   epochs_done, run_dir.string())
                                     : "no epoch had finished, so there is no checkpoint";
  throw Error(fmt::format("training diverged at epoch {}, step {}: the loss is {}; {}. Continue with a lower "
                          "learning rate (`resume` {} `lr` ...), train again with `clip_grad_norm`, or check the data "
                          "normalisation",
                          epoch, step, loss, kept, run_dir.string()));
}

std::vector<Generator::State> generator_states(nn::Module& model) {
  std::vector<Generator::State> out;
  for (auto& [name, g] : model.named_generators()) out.push_back(g->state());
  return out;
}

void restore_generators(nn::Module& model, const std::vector<Generator::State>& states) {
  auto gens = model.named_generators();
  if (gens.size() != states.size())
    throw ConfigError(fmt::format("the checkpoint has {} random streams for a model with {}", states.size(),
                                  gens.size()));
  for (size_t i = 0; i < gens.size(); ++i) gens[i].second->set_state(states[i]);
}

void rewrite_metrics(const fs::path& file, const std::vector<EpochRecord>& history) {
  std::string text;
  for (const EpochRecord& r : history) text += r.to_json().dump() + "\n";
  io::write_file_atomic(file, text);
}

}  // namespace

std::shared_ptr<nn::Module> build_model(const TrainConfig& c, const Shape& input, int64_t num_classes) {
  zoo::ModelOptions mo = c.model;
  mo.input = input;
  mo.classes = num_classes;
  mo.seed = c.seed;
  return zoo::build(mo);
}

TrainConfig load_run_config(const fs::path& run_dir) {
  const fs::path file = run_dir / "config.json";
  if (!fs::is_directory(run_dir))
    throw IoError(fmt::format("{}: no such directory: `resume` takes the run directory of an earlier nnlab train",
                              run_dir.string()));
  if (!fs::exists(file))
    throw IoError(fmt::format("{} has no config.json: `resume` takes the run directory of an earlier nnlab train",
                              run_dir.string()));
  try {
    return TrainConfig::from_json(nlohmann::json::parse(io::read_file(file, io::kConfigFileLimit, "a configuration")));
  } catch (const nlohmann::json::exception& e) {
    throw IoError(fmt::format("{}: not valid JSON ({})", file.string(), e.what()));
  }
}

ClassificationMetrics evaluate(nn::Module& model, data::DataLoader& loader, int64_t num_classes, bool binary) {
  ClassificationMetrics m(num_classes);
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  loader.start_epoch(0);
  while (auto b = loader.next()) {
    Tensor out = model(b->x);
    if (binary) {
      Tensor loss = binary_cross_entropy_with_logits(out, binary_targets(b->y));
      m.update(two_class_logits(out), b->y, loss.item());
    } else {
      m.update(out, b->y, cross_entropy(out, b->y).item());
    }
  }
  model.train(was_training);
  return m;
}

double TrainResult::seconds_to_target(double accuracy) const {
  for (const EpochRecord& r : history)
    if (r.test_accuracy >= accuracy) return r.elapsed_seconds;
  return -1;
}

nlohmann::json TrainResult::to_json() const {
  const EpochRecord& last = history.back();
  double train_s = 0;
  for (const EpochRecord& r : history) train_s += r.train_seconds;
  nlohmann::json j{{"run_dir", run_dir.string()},
                   {"epochs", last.epoch},
                   {"test_accuracy", last.test_accuracy},
                   {"test_loss", last.test_loss},
                   {"test_top5", last.test_top5},
                   {"train_accuracy", last.train_accuracy},
                   {"train_loss", last.train_loss},
                   {"train_seconds", train_s},
                   {"elapsed_seconds", last.elapsed_seconds},
                   {"seconds_per_epoch", train_s / static_cast<double>(history.size())},
                   {"setup_seconds", setup_seconds},
                   {"best_epoch", best_epoch},
                   {"stopped_early", stopped_early},
                   {"test", test.to_json(class_names)}};
  if (double t = seconds_to_target(0.9); t >= 0) j["seconds_to_90"] = t;
  if (last.val_accuracy) {
    j["val_accuracy"] = *last.val_accuracy;
    j["val_loss"] = *last.val_loss;
    j["best_val_accuracy"] = best_val_accuracy;
  }
  return j;
}

namespace {

// A run set up to its first epoch: what a failed start leaves to discard.
struct Started {
  PreparedData data;
  std::shared_ptr<nn::Module> model;
  std::unique_ptr<optim::Optimizer> optimizer;
};

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

// The schedule's saved base rates scaled by `factor` (a resumed run's new `lr`), in the
// schedule's state and those it wraps (a warm-up's "then").
void scale_base_lrs(nlohmann::json& state, double factor) {
  if (!state.is_object()) return;
  for (auto& [key, value] : state.items()) {
    if (key == "base_lrs" && value.is_array())
      for (auto& lr : value) lr = lr.get<double>() * factor;
    else if (value.is_object()) scale_base_lrs(value, factor);
  }
}

// Where a distributed run is: before `started` an error is met by every rank alike (the
// start-up check makes sure of it); after, an error of one rank alone must end the job.
struct Progress {
  bool started = false;
  bool agreed_failure = false;  // an error every rank throws (the all-reduced loss diverged)
};

// Opens the run directory (rank 0 alone under mpirun), prepares the data and the model,
// and under mpirun checks that every rank started alike and gives them rank 0's weights.
Started start_replicas(TrainConfig& config, RunDirectory& dir, TrainObserver& observer, const ResumePlan* plan,
                       const dist::ReplicaGroup& group) {
  const bool resume = plan != nullptr;
  if (!group.distributed()) {
    dir = open_run_directory(config, resume);
    config.out = dir.path.string();
    if (plan)
      for (const std::string& m : plan->messages) observer.on_message(m);
    return start_run(config, dir, observer, resume, true);
  }
  uint64_t config_hash = config_fingerprint(config);
  if (resume) {  // every rank must resume from the same checkpoint (a shared directory)
    std::error_code ec;
    const auto size = fs::file_size(fs::path(config.out) / "checkpoint.safetensors", ec);
    config_hash ^= ec ? 0 : static_cast<uint64_t>(size) * 0x9e3779b97f4a7c15ull;
  }
  Started s;
  try {
    if (config.batch_size % group.size() != 0)
      throw ConfigError(fmt::format("`batch_size` {} does not split evenly over {} ranks (it is the global batch): "
                                    "give a multiple of {}",
                                    config.batch_size, group.size(), group.size()));
    if (group.primary()) {
      dir = open_run_directory(config, resume);
      config.out = dir.path.string();
      if (plan)
        for (const std::string& m : plan->messages) observer.on_message(m);
    }
    s = start_run(config, dir, observer, resume, group.primary());
  } catch (...) {
    group.check_start({true, 0, 0});
    throw;
  }
  try {
    group.check_start({false, config_hash, data_fingerprint(s.data)});
  } catch (...) {
    if (group.primary()) discard_unstarted(dir);
    throw;
  }
  group.broadcast(state_tensors(*s.model));
  return s;
}

TrainResult run_training(TrainConfig config, TrainObserver& caller_observer, const ResumePlan* plan,
                         Progress& progress) {
  const auto setup_start = Clock::now();
  const bool resume = plan != nullptr;
  dist::ReplicaGroup::world().set_timeout(config.dist_timeout);
  const dist::ReplicaGroup& group = dist::ReplicaGroup::world();
  TrainObserver silent;  // ranks other than 0 print nothing but their errors
  TrainObserver& observer = group.primary() ? caller_observer : silent;
  const bool writer = group.primary();
  config.validate();
  if (config.bf16 && !bf16_supported()) {
    observer.on_message("`bf16`: this CPU has no AVX512-BF16; training in float32");
    config.bf16 = false;
  }
  set_num_threads(config.threads);
  PrecisionGuard precision(config.bf16 ? Precision::BF16 : Precision::F32);
  RunDirectory dir;
  Started started = start_replicas(config, dir, observer, plan, group);
  apply_sync_bn(config, *started.model, group, observer);
  progress.started = true;
  const fs::path run_dir = group.primary() ? dir.path : fs::path(config.out);
  const fs::path checkpoint_file = run_dir / "checkpoint.safetensors";
  PreparedData& data = started.data;
  auto model = started.model;
  auto& optimizer = started.optimizer;
  const double fresh_base_lr = optimizer->lr(0);
  std::optional<WeightAverage> average;
  if (config.ema > 0) average.emplace(*model, config.ema);
  auto train_data = std::make_shared<const data::Dataset>(std::move(data.train));
  data::DataLoader train_loader(train_data, loader_options(config, data.normalization, true, group));
  data::DataLoader test_loader(std::make_shared<const data::Dataset>(std::move(data.test)),
                               loader_options(config, data.normalization, false, group));
  const bool has_val = data.val.size() > 0;
  std::optional<data::DataLoader> val_loader;
  if (has_val)
    val_loader.emplace(std::make_shared<const data::Dataset>(std::move(data.val)),
                       loader_options(config, data.normalization, false, group));
  auto scheduler = make_scheduler(config, *optimizer, train_loader.num_batches());

  TrainingState state;
  state.normalization = data.normalization;
  if (resume && fs::exists(checkpoint_file)) {
    state = load_checkpoint(checkpoint_file, *model, *optimizer);
    if (plan->lr_changed) {
      const auto& saved = state.scheduler.at("base_lrs");
      const double factor = saved.empty() ? 1.0 : fresh_base_lr / saved.at(0).get<double>();
      scale_base_lrs(state.scheduler, factor);
      for (size_t g = 0; g < optimizer->num_groups(); ++g) optimizer->set_lr(g, optimizer->lr(g) * factor);
    }
    scheduler->load_state_dict(state.scheduler);
    if (plan->schedule_changed) {
      scheduler->apply_current_lr();
      observer.on_message(fmt::format("the `schedule` {} continues over {} epochs: epoch {} trains at lr {:.4g}",
                                      config.schedule.name, config.epochs, state.epochs_done + 1, optimizer->lr(0)));
    }
    restore_generators(*model, state.generators);
    if (average) average->load(state.averaged, "ema.", state.average_updates);
    observer.on_message(fmt::format("resumed {} after epoch {}", run_dir.string(), state.epochs_done));
    // Every rank read the checkpoint (a shared directory); rank 0's copy is the one kept.
    if (group.distributed()) {
      group.broadcast(state_tensors(*model));
      if (average) group.broadcast(average->tensors());
    }
  }
  if (writer) rewrite_metrics(run_dir / "metrics.jsonl", state.history);
  StepLog step_log(run_dir / "steps.jsonl", config.log_steps, train_loader.num_batches(), state.epochs_done, writer);

  const WeightsInfo weights_info{data.normalization, config.to_json(), data.input, data.class_names};
  TrainResult result;
  result.run_dir = run_dir;
  result.class_names = data.class_names;
  const double elapsed_before = state.history.empty() ? 0.0 : state.history.back().elapsed_seconds;
  result.setup_seconds = seconds_since(setup_start);
  const auto run_start = Clock::now();
  const int64_t batches = train_loader.num_batches();
  auto params = model->parameters();

  for (int64_t epoch = state.epochs_done + 1; epoch <= config.epochs; ++epoch) {
    EpochRecord rec;
    rec.epoch = epoch;
    rec.lr = optimizer->lr(0);
    model->train();
    ClassificationMetrics running(data.num_classes);
    train_loader.reset_wait_time();
    group.reset_gradient_seconds();
    const auto epoch_start = Clock::now();
    train_loader.start_epoch(epoch);
    int64_t step = 0;
    while (auto batch = train_loader.next()) {
      ++step;
      Tensor out = (*model)(batch->x);
      Tensor loss = config.model.binary
                        ? binary_cross_entropy_with_logits(out, binary_targets(batch->y))
                        : cross_entropy(out, batch->y, Reduction::Mean, static_cast<float>(config.label_smoothing));
      const double loss_value = loss.item();
      if (!group.distributed() && !std::isfinite(loss_value))
        diverged(epoch, step, loss_value, run_dir, state.epochs_done);
      optimizer->zero_grad();
      loss.backward();
      double step_loss = loss_value;  // over the ranks under mpirun, for the steps log
      if (group.distributed()) {
        // Every rank sees the same mean loss, so all of them stop together if it diverged.
        const double mean_loss = step_loss = group.average_gradients(params, static_cast<float>(loss_value));
        if (!std::isfinite(mean_loss)) {
          progress.agreed_failure = true;
          diverged(epoch, step, mean_loss, run_dir, state.epochs_done);
        }
      }
      if (config.clip_grad_norm > 0) optim::clip_grad_norm_(params, config.clip_grad_norm);
      optimizer->step();
      if (average) average->update();
      step_log.record(epoch, step, step_loss, optimizer->lr(0));
      if (scheduler->unit() == optim::StepUnit::Batch) scheduler->step();
      running.update(config.model.binary ? two_class_logits(out.detach()) : out.detach(), batch->y, loss_value);
      const double t = seconds_since(epoch_start);
      observer.on_batch({epoch, config.epochs, step, batches, running.loss(), running.top1(),
                         static_cast<double>(running.count() * group.size()) / std::max(t, 1e-9),
                         t / static_cast<double>(step) * static_cast<double>(batches - step)});
    }
    sum_over_ranks(group, running);
    rec.train_seconds = seconds_since(epoch_start);
    rec.data_wait_fraction = train_loader.wait_seconds() / std::max(rec.train_seconds, 1e-9);
    rec.train_loss = running.loss();
    rec.train_accuracy = running.top1();
    rec.images_per_second = static_cast<double>(running.count()) / std::max(rec.train_seconds, 1e-9);
    if (group.distributed()) {
      rec.ranks = group.size();
      rec.allreduce_fraction = group.gradient_seconds() / std::max(rec.train_seconds, 1e-9);
    }

    const auto eval_start = Clock::now();
    // Evaluation, the best model and model.safetensors see the averaged weights (ema);
    // the checkpoint keeps the latest ones, which training continues from.
    // Per-rank batch statistics (as DDP): rank 0's running ones, and their average, are
    // what every replica keeps.
    if (group.distributed()) {
      group.broadcast(buffer_tensors(*model));
      if (average) group.broadcast(average->tensors());
    }
    std::optional<WeightAverage::Applied> averaged;
    if (average) averaged.emplace(*average);
    if (val_loader) {
      ClassificationMetrics v = evaluate(*model, *val_loader, data.num_classes, config.model.binary);
      sum_over_ranks(group, v);
      rec.val_loss = v.loss();
      rec.val_accuracy = v.top1();
    }
    result.test = evaluate(*model, test_loader, data.num_classes, config.model.binary);
    sum_over_ranks(group, result.test);
    rec.test_loss = result.test.loss();
    rec.test_accuracy = result.test.top1();
    rec.test_top5 = result.test.top5();
    rec.eval_seconds = seconds_since(eval_start);
    rec.elapsed_seconds = elapsed_before + seconds_since(run_start);

    if (scheduler->unit() == optim::StepUnit::Epoch) {
      if (config.schedule.name == "plateau") scheduler->step(rec.val_loss.value_or(rec.train_loss));
      else scheduler->step();
    }

    // Best model by validation accuracy; without a validation split, the latest.
    const double score = rec.val_accuracy.value_or(static_cast<double>(epoch));
    if (state.best_epoch == 0 || score > state.best_metric) {
      state.best_epoch = epoch;
      state.best_metric = score;
      state.epochs_since_best = 0;
      if (writer) save_weights(run_dir / "best.safetensors", *model, weights_info);
    } else {
      ++state.epochs_since_best;
    }
    state.epochs_done = epoch;
    state.config = config.to_json();
    state.history.push_back(rec);
    state.scheduler = scheduler->state_dict();
    state.generators = generator_states(*model);
    if (writer) save_weights(run_dir / "model.safetensors", *model, weights_info);
    averaged.reset();
    if (average) {
      state.averaged = average->state("ema.");
      state.average_updates = average->updates();
    }
    if (writer) {
      save_checkpoint(checkpoint_file, *model, *optimizer, state);
      io::append_line_durable(run_dir / "metrics.jsonl", rec.to_json().dump());
    }
    observer.on_epoch(rec);

    if (config.early_stopping > 0 && state.epochs_since_best >= config.early_stopping) {
      result.stopped_early = true;
      observer.on_message(fmt::format("early stopping: validation accuracy has not improved for {} epochs (best: "
                                      "epoch {})",
                                      state.epochs_since_best, state.best_epoch));
      break;
    }
  }
  if (state.history.empty()) throw Error("the run has no finished epoch to report");
  if (result.test.count() == 0) {  // resumed after the last epoch: report the saved model
    std::optional<WeightAverage::Applied> averaged;
    if (average) averaged.emplace(*average);
    result.test = evaluate(*model, test_loader, data.num_classes, config.model.binary);
    sum_over_ranks(group, result.test);
  }
  result.history = state.history;
  result.best_epoch = state.best_epoch;
  result.best_val_accuracy = has_val ? state.best_metric : 0.0;
  for (const EpochRecord& r : result.history) result.train_seconds += r.train_seconds;
  progress.agreed_failure = true;  // every rank throws alike here
  group.check_identical(weights_fingerprint(*model), "the replicas' weights after training");
  progress.agreed_failure = false;
  if (writer) io::write_file_atomic(run_dir / "summary.json", result.to_json().dump(2) + "\n");
  return result;
}

// Under mpirun an error one rank meets alone (a full disk on rank 0, a bad batch) ends the
// whole job with that rank's message instead of leaving the others waiting for it.
TrainResult run_training(const TrainConfig& config, TrainObserver& observer, const ResumePlan* plan) {
  Progress progress;
  const dist::ReplicaGroup& group = dist::ReplicaGroup::world();
  if (!group.distributed()) return run_training(config, observer, plan, progress);
  try {
    return run_training(config, observer, plan, progress);
  } catch (const std::exception& e) {
    if (progress.started && !progress.agreed_failure) group.abort(e.what());
    throw;
  }
}

}  // namespace

TrainResult train(const TrainConfig& config, TrainObserver& observer, bool resume) {
  if (!resume) return run_training(config, observer, nullptr);
  const ResumePlan plan = plan_resume(config.out, nlohmann::json::object());
  return run_training(plan.config, observer, &plan);
}

TrainResult resume(const fs::path& run_dir, const nlohmann::json& changes, TrainObserver& observer) {
  const ResumePlan plan = plan_resume(run_dir, changes);
  return run_training(plan.config, observer, &plan);
}

}  // namespace nnlab::train
