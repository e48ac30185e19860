#include "train/replica_hooks.h"

#include <fmt/format.h>

#include <fstream>

#include "nnlab/error.h"
#include "nnlab/fingerprint.h"
#include "train/replicas.h"

namespace nnlab::train {

namespace fs = std::filesystem;

namespace {

// The checkpoint's bytes, so that ranks resuming from different copies of a run (a stale
// copy on one host) are refused before they train on different states. 0: none.
uint64_t checkpoint_fingerprint(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return 0;
  uint64_t h = fnv_offset();
  std::vector<char> chunk(1 << 20);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto got = static_cast<size_t>(in.gcount());
    h = fingerprint(std::as_bytes(std::span<const char>(chunk.data(), got)), h);
  }
  return h;
}

}  // namespace

ReplicaHooks::ReplicaHooks(const dist::ReplicaGroup& group, nn::Module& model)
    : group_(group), reducer_(group, model.parameters()) {}

void ReplicaHooks::after_restore(nn::Module& model, WeightAverage* average) {
  // Every rank read the checkpoint; rank 0's copy is the one kept.
  group_.broadcast(state_tensors(model));
  if (average) group_.broadcast(average->tensors());
}

void ReplicaHooks::before_backward(double local_loss) { reducer_.begin(static_cast<float>(local_loss)); }

double ReplicaHooks::after_backward(double) { return reducer_.finish(); }

void ReplicaHooks::reduce(ClassificationMetrics& metrics) { sum_over_ranks(group_, metrics); }

void ReplicaHooks::before_evaluation(nn::Module& model, WeightAverage* average) {
  // Per-rank batch statistics (as DDP): rank 0's running ones are what every replica keeps.
  group_.broadcast(buffer_tensors(model));
  if (average) group_.broadcast(average->tensors());
}

void ReplicaHooks::after_training(const nn::Module& model) {
  group_.check_identical(weights_fingerprint(model), "the replicas' weights after training");
}

Started start_replicas(TrainConfig& config, RunDirectory& dir, TrainObserver& observer, const ResumePlan* plan,
                       const dist::ReplicaGroup& group) {
  const bool resume = plan != nullptr;
  uint64_t config_hash = config_fingerprint(config);
  // Every rank must resume from the same checkpoint (a shared directory, or identical copies).
  if (resume) config_hash ^= checkpoint_fingerprint(fs::path(config.out) / "checkpoint.safetensors");
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

}  // namespace nnlab::train
