// A training run as a sequence of steps: for each epoch, per batch the data, forward and
// backward, the gradient reduction and the optimizer step; then evaluation and the
// checkpoint. The points where processes sharing a run must agree are StepHooks, so this
// loop is the same for one process and for the replicas under mpirun.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "nnlab/train/checkpoint.h"
#include "nnlab/train/trainer.h"
#include "nnlab/train/weight_average.h"
#include "train/resume.h"
#include "train/run_setup.h"
#include "train/step_hooks.h"
#include "train/step_log.h"
#include "train/thread_replicas.h"

namespace nnlab::train {

class TrainingLoop {
 public:
  // `writer`: this process writes the run directory (rank 0 under mpirun).
  TrainingLoop(const TrainConfig& config, Started started, std::filesystem::path run_dir, bool writer,
               TrainObserver& observer, StepHooks& hooks, RunProgress& progress);
  // Continues from the run's checkpoint, applying what the resumed run changed.
  void restore(const ResumePlan& plan);
  // The remaining epochs; `setup_seconds` is what preparing the run took.
  TrainResult run(double setup_seconds);

 private:
  EpochRecord train_epoch(int64_t epoch);
  // One batch: forward, backward, the gradient reduction and the optimizer step. Returns
  // the step's loss as every process sees it.
  double train_step(const data::Batch& batch, int64_t epoch, int64_t step, ClassificationMetrics& running);
  // Evaluates the epoch's weights and saves them (model.safetensors, best.safetensors).
  void evaluate_epoch(EpochRecord& rec, TrainResult& result, int64_t epoch);
  // The model's metrics over one of the run's loaders, scored as the config says (eval_flip).
  ClassificationMetrics score(data::DataLoader& loader);
  void checkpoint_epoch(const EpochRecord& rec, int64_t epoch);
  [[noreturn]] void diverged(int64_t epoch, int64_t step, double loss) const;

  TrainConfig config_;
  PreparedData data_;
  std::shared_ptr<nn::Module> model_;
  std::unique_ptr<optim::Optimizer> optimizer_;
  std::filesystem::path run_dir_, checkpoint_file_;
  bool writer_;
  TrainObserver& observer_;
  StepHooks& hooks_;
  RunProgress& progress_;
  std::optional<WeightAverage> average_;
  std::optional<data::DataLoader> train_loader_, test_loader_, val_loader_;
  std::unique_ptr<optim::LRScheduler> scheduler_;
  std::vector<Tensor> params_;
  std::optional<StepLog> step_log_;  // steps.jsonl, from the first epoch run() trains
  std::unique_ptr<ThreadReplicas> replicas_;  // `replicas` > 1: in-process data parallelism
  TrainingState state_;
  WeightsInfo weights_info_;
};

}  // namespace nnlab::train
