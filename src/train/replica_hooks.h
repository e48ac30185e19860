// The trainer's side of data-parallel training under mpirun (src/dist/ does the
// communication): the start-up that makes every rank begin alike, and the StepHooks that
// keep them alike. Nothing here runs in a single process.
#pragma once

#include <memory>

#include "nnlab/dist/gradient_reducer.h"
#include "nnlab/dist/replica_group.h"
#include "train/run_setup.h"
#include "train/step_hooks.h"

namespace nnlab::train {

class ReplicaHooks : public StepHooks {
 public:
  ReplicaHooks(const dist::ReplicaGroup& group, nn::Module& model);
  int64_t rank() const override { return group_.rank(); }
  int64_t ranks() const override { return group_.size(); }
  void after_restore(nn::Module& model, WeightAverage* average) override;
  void before_backward(double local_loss) override;
  double after_backward(double local_loss) override;
  void start_epoch() override { reducer_.reset_wait_seconds(); }
  std::optional<double> communication_seconds() const override { return reducer_.wait_seconds(); }
  void reduce(ClassificationMetrics& metrics) override;
  void before_evaluation(nn::Module& model, WeightAverage* average) override;
  void after_training(const nn::Module& model) override;

 private:
  const dist::ReplicaGroup& group_;
  dist::GradientReducer reducer_;
};

// Opens the run directory on rank 0, prepares data and model on every rank, checks that
// every rank started alike (configuration, data, and for `resume` the checkpoint's bytes)
// and gives them rank 0's weights.
Started start_replicas(TrainConfig& config, RunDirectory& dir, TrainObserver& observer, const ResumePlan* plan,
                       const dist::ReplicaGroup& group);

}  // namespace nnlab::train
