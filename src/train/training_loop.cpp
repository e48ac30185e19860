#include "train/training_loop.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "nnlab/error.h"
#include "nnlab/io/atomic_file.h"
#include "nnlab/optim/clip_grad.h"
#include "train/step_loss.h"

namespace nnlab::train {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

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

}  // namespace

TrainingLoop::TrainingLoop(const TrainConfig& config, Started started, fs::path run_dir, bool writer,
                           TrainObserver& observer, StepHooks& hooks, RunProgress& progress)
    : config_(config), data_(std::move(started.data)), model_(std::move(started.model)),
      optimizer_(std::move(started.optimizer)), run_dir_(std::move(run_dir)),
      checkpoint_file_(run_dir_ / "checkpoint.safetensors"), writer_(writer), observer_(observer), hooks_(hooks),
      progress_(progress),
      weights_info_{data_.normalization, config_.to_json(), data_.input, data_.class_names} {
  if (config_.ema > 0) average_.emplace(*model_, config_.ema);
  const auto options = [&](bool training) {
    return loader_options(config_, data_.normalization, training, hooks_.rank(), hooks_.ranks());
  };
  train_loader_.emplace(std::make_shared<const data::Dataset>(std::move(data_.train)), options(true));
  test_loader_.emplace(std::make_shared<const data::Dataset>(std::move(data_.test)), options(false));
  if (data_.val.size() > 0)
    val_loader_.emplace(std::make_shared<const data::Dataset>(std::move(data_.val)), options(false));
  scheduler_ = make_scheduler(config_, *optimizer_, train_loader_->num_batches());
  params_ = model_->parameters();
  state_.normalization = data_.normalization;
  if (config_.replicas > 1)
    replicas_ = std::make_unique<ThreadReplicas>(config_, model_, data_.input, data_.num_classes,
                                                 static_cast<int>(config_.replicas));
}

void TrainingLoop::restore(const ResumePlan& plan) {
  if (!fs::exists(checkpoint_file_)) return;
  const double fresh_base_lr = optimizer_->lr(0);
  state_ = load_checkpoint(checkpoint_file_, *model_, *optimizer_);
  if (plan.lr_changed) {
    const auto& saved = state_.scheduler.at("base_lrs");
    const double factor = saved.empty() ? 1.0 : fresh_base_lr / saved.at(0).get<double>();
    scale_base_lrs(state_.scheduler, factor);
    for (size_t g = 0; g < optimizer_->num_groups(); ++g) optimizer_->set_lr(g, optimizer_->lr(g) * factor);
  }
  scheduler_->load_state_dict(state_.scheduler);
  if (plan.schedule_changed) {
    scheduler_->apply_current_lr();
    observer_.on_message(fmt::format("the `schedule` {} continues over {} epochs: epoch {} trains at lr {:.4g}",
                                     config_.schedule.name, config_.epochs, state_.epochs_done + 1,
                                     optimizer_->lr(0)));
  }
  restore_generators(*model_, state_.generators);
  if (average_) average_->load(state_.averaged, "ema.", state_.average_updates);
  observer_.on_message(fmt::format("resumed {} after epoch {}", run_dir_.string(), state_.epochs_done));
  if (replicas_) replicas_->broadcast_weights();  // they were built from the initial weights
  hooks_.after_restore(*model_, average_ ? &*average_ : nullptr);
}

void TrainingLoop::diverged(int64_t epoch, int64_t step, double loss) const {
  const int64_t done = state_.epochs_done;
  std::string kept = done > 0 ? fmt::format("the checkpoint of epoch {} and its weights in {} are intact", done,
                                            run_dir_.string())
                              : "no epoch had finished, so there is no checkpoint";
  throw Error(fmt::format("training diverged at epoch {}, step {}: the loss is {}; {}. Continue with a lower "
                          "learning rate (`resume` {} `lr` ...), train again with `clip_grad_norm`, or check the data "
                          "normalisation",
                          epoch, step, loss, kept, run_dir_.string()));
}

double TrainingLoop::train_step(const data::Batch& batch, int64_t epoch, int64_t step,
                                ClassificationMetrics& running) {
  optimizer_->zero_grad();
  double step_loss = 0;
  if (replicas_) {
    step_loss = replicas_->forward_backward(batch, running);
    if (!std::isfinite(step_loss)) diverged(epoch, step, step_loss);
  } else {
    Tensor out = (*model_)(batch.x);
    Tensor loss = training_loss(config_, out, batch.y);
    const double local_loss = loss.item();
    // One process stops before spending a backward pass on a lost cause; replicas stop on
    // the averaged loss, which every rank sees alike, so that all of them stop together.
    if (hooks_.ranks() == 1 && !std::isfinite(local_loss)) diverged(epoch, step, local_loss);
    hooks_.before_backward(local_loss);
    loss.backward();
    step_loss = hooks_.after_backward(local_loss);
    if (!std::isfinite(step_loss)) {
      progress_.agreed_failure = true;
      diverged(epoch, step, step_loss);
    }
    running.update(metric_logits(config_, out), batch.y, local_loss);
  }
  if (config_.clip_grad_norm > 0) optim::clip_grad_norm_(params_, config_.clip_grad_norm);
  optimizer_->step();
  if (replicas_) replicas_->broadcast_weights();
  if (average_) average_->update();
  step_log_->record(epoch, step, step_loss, optimizer_->lr(0));
  if (scheduler_->unit() == optim::StepUnit::Batch) scheduler_->step();
  return step_loss;
}

EpochRecord TrainingLoop::train_epoch(int64_t epoch) {
  EpochRecord rec;
  rec.epoch = epoch;
  rec.lr = optimizer_->lr(0);
  model_->train();
  ClassificationMetrics running(data_.num_classes);
  data::DataLoader& loader = *train_loader_;
  const int64_t batches = loader.num_batches();
  loader.reset_wait_time();
  hooks_.start_epoch();
  const auto epoch_start = Clock::now();
  loader.start_epoch(epoch);
  int64_t step = 0;
  while (auto batch = loader.next()) {
    ++step;
    train_step(*batch, epoch, step, running);
    const double t = seconds_since(epoch_start);
    observer_.on_batch({epoch, config_.epochs, step, batches, running.loss(), running.top1(),
                        static_cast<double>(running.count() * hooks_.ranks()) / std::max(t, 1e-9),
                        t / static_cast<double>(step) * static_cast<double>(batches - step)});
  }
  hooks_.reduce(running);
  rec.train_seconds = seconds_since(epoch_start);
  rec.data_wait_fraction = loader.wait_seconds() / std::max(rec.train_seconds, 1e-9);
  rec.train_loss = running.loss();
  rec.train_accuracy = running.top1();
  rec.images_per_second = static_cast<double>(running.count()) / std::max(rec.train_seconds, 1e-9);
  if (const auto waited = hooks_.communication_seconds()) {
    rec.ranks = hooks_.ranks();
    rec.allreduce_fraction = *waited / std::max(rec.train_seconds, 1e-9);
  }
  return rec;
}

ClassificationMetrics TrainingLoop::score(data::DataLoader& loader) {
  return evaluate(*model_, loader, data_.num_classes, config_.model.binary, config_.eval_flip_images());
}

void TrainingLoop::evaluate_epoch(EpochRecord& rec, TrainResult& result, int64_t epoch) {
  const auto eval_start = Clock::now();
  // Evaluation, the best model and model.safetensors see the averaged weights (ema), swapped
  // in once for all three; the checkpoint keeps the latest ones, which training continues from.
  hooks_.before_evaluation(*model_, average_ ? &*average_ : nullptr);
  std::optional<WeightAverage::Applied> averaged;
  if (average_) averaged.emplace(*average_);
  if (val_loader_) {
    ClassificationMetrics v = score(*val_loader_);
    hooks_.reduce(v);
    rec.val_loss = v.loss();
    rec.val_accuracy = v.top1();
  }
  result.test = score(*test_loader_);
  hooks_.reduce(result.test);
  rec.test_loss = result.test.loss();
  rec.test_accuracy = result.test.top1();
  rec.test_top5 = result.test.top5();
  rec.eval_seconds = seconds_since(eval_start);
  // Best model by validation accuracy; without a validation split, the latest.
  const double score = rec.val_accuracy.value_or(static_cast<double>(epoch));
  if (state_.best_epoch == 0 || score > state_.best_metric) {
    state_.best_epoch = epoch;
    state_.best_metric = score;
    state_.epochs_since_best = 0;
    if (writer_) save_weights(run_dir_ / "best.safetensors", *model_, weights_info_);
  } else {
    ++state_.epochs_since_best;
  }
  if (writer_) save_weights(run_dir_ / "model.safetensors", *model_, weights_info_);
}

void TrainingLoop::checkpoint_epoch(const EpochRecord& rec, int64_t epoch) {
  state_.epochs_done = epoch;
  state_.config = config_.to_json();
  state_.history.push_back(rec);
  state_.scheduler = scheduler_->state_dict();
  state_.generators = generator_states(*model_);
  if (average_) {
    state_.averaged = average_->state("ema.");
    state_.average_updates = average_->updates();
  }
  if (writer_) {
    save_checkpoint(checkpoint_file_, *model_, *optimizer_, state_);
    io::append_line_durable(run_dir_ / "metrics.jsonl", rec.to_json().dump());
  }
}

TrainResult TrainingLoop::run(double setup_seconds) {
  if (writer_) rewrite_metrics(run_dir_ / "metrics.jsonl", state_.history);
  step_log_.emplace(run_dir_ / "steps.jsonl", config_.log_steps, train_loader_->num_batches(), state_.epochs_done,
                    writer_);
  TrainResult result;
  result.run_dir = run_dir_;
  result.class_names = data_.class_names;
  result.setup_seconds = setup_seconds;
  const double elapsed_before = state_.history.empty() ? 0.0 : state_.history.back().elapsed_seconds;
  const auto run_start = Clock::now();
  for (int64_t epoch = state_.epochs_done + 1; epoch <= config_.epochs; ++epoch) {
    EpochRecord rec = train_epoch(epoch);
    evaluate_epoch(rec, result, epoch);
    rec.elapsed_seconds = elapsed_before + seconds_since(run_start);
    if (scheduler_->unit() == optim::StepUnit::Epoch) {
      if (config_.schedule.name == "plateau") scheduler_->step(rec.val_loss.value_or(rec.train_loss));
      else scheduler_->step();
    }
    checkpoint_epoch(rec, epoch);
    observer_.on_epoch(rec);
    if (config_.early_stopping > 0 && state_.epochs_since_best >= config_.early_stopping) {
      result.stopped_early = true;
      observer_.on_message(fmt::format("early stopping: validation accuracy has not improved for {} epochs (best: "
                                       "epoch {})",
                                       state_.epochs_since_best, state_.best_epoch));
      break;
    }
  }
  if (state_.history.empty()) throw Error("the run has no finished epoch to report");
  if (result.test.count() == 0) {  // resumed after the last epoch: report the saved model
    hooks_.before_evaluation(*model_, average_ ? &*average_ : nullptr);
    std::optional<WeightAverage::Applied> averaged;
    if (average_) averaged.emplace(*average_);
    result.test = score(*test_loader_);
    hooks_.reduce(result.test);
  }
  result.history = state_.history;
  result.best_epoch = state_.best_epoch;
  result.best_val_accuracy = val_loader_ ? state_.best_metric : 0.0;
  for (const EpochRecord& r : result.history) result.train_seconds += r.train_seconds;
  progress_.agreed_failure = true;  // every rank throws alike here
  hooks_.after_training(*model_);
  progress_.agreed_failure = false;
  if (writer_) io::write_file_atomic(run_dir_ / "summary.json", result.to_json().dump(2) + "\n");
  return result;
}

}  // namespace nnlab::train
