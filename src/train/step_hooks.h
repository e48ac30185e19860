// The points of a training run where the processes sharing it must agree. TrainingLoop
// calls them; in one process they do nothing (this base class), under mpirun the replicas
// (replica_hooks.h) average gradients and metrics there and agree on buffers and weights.
// Keeping them behind one interface leaves the loop free of MPI, and a single process pays
// a virtual call per step for them.
#pragma once

#include <cstdint>
#include <optional>

#include "nnlab/nn/module.h"
#include "nnlab/train/metrics.h"
#include "nnlab/train/weight_average.h"

namespace nnlab::train {

class StepHooks {
 public:
  virtual ~StepHooks() = default;
  virtual int64_t rank() const { return 0; }
  virtual int64_t ranks() const { return 1; }
  // After a resumed run read its checkpoint: every process continues from the same state.
  virtual void after_restore(nn::Module& model, WeightAverage* average) {}
  // Gradient reduction: around loss.backward(); after_backward returns the step's loss as
  // every process sees it (here, this process's own).
  virtual void before_backward(double local_loss) {}
  virtual double after_backward(double local_loss) { return local_loss; }
  // An epoch's training pass starts; the seconds of it spent waiting in communication.
  virtual void start_epoch() {}
  virtual std::optional<double> communication_seconds() const { return std::nullopt; }
  // The metrics of this process's share, made those of the whole split.
  virtual void reduce(ClassificationMetrics& metrics) {}
  // Before each evaluation: every process holds the same buffers and averaged weights.
  virtual void before_evaluation(nn::Module& model, WeightAverage* average) {}
  // After the last epoch: the processes' weights agree (a check, not a repair).
  virtual void after_training(const nn::Module& model) {}
};

}  // namespace nnlab::train
