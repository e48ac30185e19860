// Synchronised batch norm under mpirun (`sync_bn`, PyTorch's SyncBatchNorm): every
// BatchNorm of the model normalises with the statistics of the whole global batch, summed
// over the ranks by the replica group, instead of its own rank's share.
#pragma once

#include <cstdint>
#include <memory>

#include "nnlab/dist/replica_group.h"
#include "nnlab/nn/module.h"
#include "nnlab/ops/norm.h"
#include "nnlab/train/config.h"
#include "nnlab/train/observer.h"

namespace nnlab::train {

// A reducer that sums over the group's ranks (an MPI all-reduce watched by its watchdog).
std::shared_ptr<BatchStatsReducer> replica_stats_reducer(const dist::ReplicaGroup& group);

// Gives every BatchNorm of `model` (and only those) the group's reducer. Returns the number
// of layers now synchronised.
int64_t synchronise_batch_norms(nn::Module& model, const dist::ReplicaGroup& group);

// The trainer's call: synchronises the model's batch norms when `config.sync_bn` is on and
// the group has more than one rank. One process is left as it is and told once that the
// flag has no effect there (as in PyTorch, whose SyncBatchNorm does nothing then either).
void apply_sync_bn(const TrainConfig& config, nn::Module& model, const dist::ReplicaGroup& group,
                   TrainObserver& observer);

}  // namespace nnlab::train
