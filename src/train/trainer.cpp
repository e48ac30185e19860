#include "nnlab/train/trainer.h"

#include <fmt/format.h>

#include <chrono>
#include <optional>

#include "nnlab/autograd.h"
#include "nnlab/backend.h"
#include "nnlab/dist/replica_group.h"
#include "nnlab/error.h"
#include "nnlab/io/atomic_file.h"
#include "nnlab/ops/elementwise.h"
#include "nnlab/ops/loss.h"
#include "nnlab/ops/shape.h"
#include "nnlab/precision.h"
#include "nnlab/zoo/zoo.h"
#include "train/binary_head.h"
#include "train/replica_hooks.h"
#include "train/resume.h"
#include "train/run_setup.h"
#include "train/training_loop.h"
#include "train/sync_batchnorm.h"

namespace nnlab::train {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

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

Tensor eval_logits(nn::Module& model, const Tensor& x, bool mirrored) {
  Tensor out = model(x);
  return mirrored ? mul_scalar(add(out, model(flip_width(x))), 0.5f) : out;
}

ClassificationMetrics evaluate(nn::Module& model, data::DataLoader& loader, int64_t num_classes, bool binary,
                               bool mirrored) {
  ClassificationMetrics m(num_classes);
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  loader.start_epoch(0);
  while (auto b = loader.next()) {
    Tensor out = eval_logits(model, b->x, mirrored);
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

TrainResult run_training(TrainConfig config, TrainObserver& caller_observer, const ResumePlan* plan,
                         RunProgress& progress) {
  const auto setup_start = Clock::now();
  dist::ReplicaGroup::world().set_timeout(config.dist_timeout);
  dist::ReplicaGroup::world().set_bucket_bytes(std::max<int64_t>(4, static_cast<int64_t>(config.bucket_mb * 1e6)));
  const dist::ReplicaGroup& group = dist::ReplicaGroup::world();
  TrainObserver silent;  // ranks other than 0 print nothing but their errors
  TrainObserver& observer = group.primary() ? caller_observer : silent;
  config.validate();
  if (group.distributed() && config.replicas > 1)
    throw ConfigError(fmt::format("`replicas` {} under mpirun: in-process replicas and ranks do not combine yet; give "
                                  "each rank one replica and more ranks instead (mpirun -np {})",
                                  config.replicas, group.size() * config.replicas));
  if (config.bf16 && !bf16_supported()) {
    observer.on_message("`bf16`: this CPU has no AVX512-BF16; training in float32");
    config.bf16 = false;
  }
  set_num_threads(config.threads);
  PrecisionGuard precision(config.bf16 ? Precision::BF16 : Precision::F32);
  RunDirectory dir;
  Started started = group.distributed() ? start_replicas(config, dir, observer, plan, group)
                                        : start_single(config, dir, observer, plan);
  apply_sync_bn(config, *started.model, group, observer);
  progress.started = true;
  const fs::path run_dir = group.primary() ? dir.path : fs::path(config.out);
  StepHooks single;
  std::optional<ReplicaHooks> replicas;
  if (group.distributed()) replicas.emplace(group, *started.model);
  StepHooks& hooks = replicas ? static_cast<StepHooks&>(*replicas) : single;
  TrainingLoop loop(config, std::move(started), run_dir, group.primary(), observer, hooks, progress);
  if (plan) loop.restore(*plan);
  return loop.run(seconds_since(setup_start));
}

// Under mpirun an error one rank meets alone (a full disk on rank 0, a bad batch) ends the
// whole job with that rank's message instead of leaving the others waiting for it.
TrainResult run_training(const TrainConfig& config, TrainObserver& observer, const ResumePlan* plan) {
  RunProgress progress;
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
