// Data parallelism inside one process: `replicas` copies of the model, each on its own
// thread with one compute thread, each running forward and backward on its share of the
// batch; their gradients are added into the first replica's once per step, which the
// optimizer then steps. For small models on few cores (lenet5, mlp) this beats splitting
// every op over the cores, whose per-op synchronisation leaves cores idle: the same reason
// 2 ranks x 1 thread beat 1 process x 2 threads under mpirun.
#pragma once

#include <memory>
#include <vector>

#include "nnlab/data/data_loader.h"
#include "nnlab/nn/module.h"
#include "nnlab/train/config.h"
#include "nnlab/train/metrics.h"

namespace nnlab::train {

class ThreadReplicas {
 public:
  // `model` is replica 0 (the caller's thread); the others are built alike and take its state.
  ThreadReplicas(const TrainConfig& config, std::shared_ptr<nn::Module> model, const Shape& input,
                 int64_t num_classes, int count);
  ~ThreadReplicas();

  // Forward and backward of every share of `batch` at once; replica 0's grad()s then hold
  // the gradient of the whole batch's mean loss (the shares' gradients weighted by their
  // sizes, added in replica order, so a run repeats bit for bit). Adds the shares' outputs
  // to `running`; returns the batch's mean loss.
  double forward_backward(const data::Batch& batch, ClassificationMetrics& running);
  // After the optimizer step: every replica takes replica 0's parameters.
  void broadcast_weights();
  int count() const { return static_cast<int>(replicas_.size()); }

  ThreadReplicas(const ThreadReplicas&) = delete;
  ThreadReplicas& operator=(const ThreadReplicas&) = delete;

 private:
  struct Pool;  // the worker threads, one per replica after the first
  struct Share {
    Tensor x;
    std::vector<int32_t> y;
    Tensor out;
    double loss = 0;
    std::exception_ptr error;
  };
  void run_share(size_t i);  // forward and backward of share i on replica i

  const TrainConfig& config_;
  std::vector<std::shared_ptr<nn::Module>> replicas_;
  std::vector<std::vector<Tensor>> params_;  // per replica
  std::vector<Share> shares_;
  std::unique_ptr<Pool> pool_;
};

}  // namespace nnlab::train
