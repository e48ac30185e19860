#include "train/sync_batchnorm.h"

#include <fmt/format.h>

#include "nnlab/nn/batchnorm.h"

namespace nnlab::train {

namespace {

class ReplicaStatsReducer : public BatchStatsReducer {
 public:
  explicit ReplicaStatsReducer(const dist::ReplicaGroup& group) : group_(group) {}
  void sum(std::span<double> values) override { group_.sum(values, "the batch-norm statistics all-reduce"); }

 private:
  const dist::ReplicaGroup& group_;  // the process's world group, which outlives every model
};

}  // namespace

std::shared_ptr<BatchStatsReducer> replica_stats_reducer(const dist::ReplicaGroup& group) {
  return std::make_shared<ReplicaStatsReducer>(group);
}

int64_t synchronise_batch_norms(nn::Module& model, const dist::ReplicaGroup& group) {
  const auto reducer = replica_stats_reducer(group);
  int64_t n = 0;
  auto visit = [&](nn::Module& m) {
    if (auto* bn = dynamic_cast<nn::BatchNorm*>(&m)) {
      bn->set_stats_reducer(reducer);
      ++n;
    }
  };
  visit(model);
  for (auto& [name, child] : model.named_modules()) visit(*child);
  return n;
}

void apply_sync_bn(const TrainConfig& config, nn::Module& model, const dist::ReplicaGroup& group,
                   TrainObserver& observer) {
  if (!config.sync_bn) return;
  if (!group.distributed()) {
    observer.on_message("`sync_bn` has no effect in one process: its batch is already the whole batch");
    return;
  }
  if (synchronise_batch_norms(model, group) == 0)
    observer.on_message(fmt::format("`sync_bn`: {} has no batch norm to synchronise", config.model.name));
}

}  // namespace nnlab::train
