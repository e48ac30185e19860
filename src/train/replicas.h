// The trainer's side of data-parallel training (src/dist/ does the communication): what
// the ranks compare at start-up and after training, and the metrics they add up.
#pragma once

#include <cstdint>

#include "nnlab/dist/replica_group.h"
#include "nnlab/nn/module.h"
#include "nnlab/train/config.h"
#include "nnlab/train/data_setup.h"
#include "nnlab/train/metrics.h"

namespace nnlab::train {

// Hash of the effective configuration (before the run directory is named).
uint64_t config_fingerprint(const TrainConfig& config);
// Hash of the splits' sizes and shapes and of each split's first and last samples and labels.
uint64_t data_fingerprint(const PreparedData& data);
// Hash of the model's parameters and buffers, bit for bit.
uint64_t weights_fingerprint(const nn::Module& model);
// Every tensor of the model's state, parameters then buffers.
std::vector<Tensor> state_tensors(const nn::Module& model);
std::vector<Tensor> buffer_tensors(const nn::Module& model);
// The metrics of all ranks' shares added up, on every rank.
void sum_over_ranks(const dist::ReplicaGroup& group, ClassificationMetrics& metrics);

}  // namespace nnlab::train
