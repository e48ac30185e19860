// ReplicaGroup: the processes of one data-parallel training job started by mpirun, each
// holding a replica of the model (PyTorch's DistributedDataParallel on OpenMPI).
//
//   dist::ReplicaGroup& group = dist::ReplicaGroup::world();
//   group.broadcast(state);                          // rank 0's weights everywhere
//   ... forward, backward on this rank's share of the batch ...
//   float loss = group.average_gradients(params, local_loss);
//
// A process not started by mpirun (or started as its only rank) is a group of one: it never
// initialises MPI and every call returns at once, so single-process training pays nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "nnlab/error.h"
#include "nnlab/tensor.h"

namespace nnlab::dist {

// Start-up facts each rank contributes, compared against rank 0's (see check_start).
struct StartFacts {
  bool failed = false;     // this rank could not start (its own error says why)
  uint64_t config = 0;     // hash of the effective configuration
  uint64_t data = 0;       // hash of the dataset's sizes and first and last samples
};

class ReplicaGroup {
 public:
  // This process's group; the first call initialises MPI when mpirun started more than one
  // rank (OMPI_COMM_WORLD_SIZE > 1). Throws Error in a build without MPI in that case.
  static ReplicaGroup& world();
  ~ReplicaGroup();  // MPI_Finalize

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool distributed() const { return size_ > 1; }
  bool primary() const { return rank_ == 0; }  // the one that writes and prints
  const std::string& host() const { return host_; }

  // Every rank's tensors take rank 0's values (same shapes, same order on every rank).
  void broadcast(const std::vector<Tensor>& tensors) const;
  // Sums the gradients of `params` over the ranks and divides by the size, in buckets of
  // at most bucket_bytes() taken in parameter order, so the reduction order is fixed (a
  // gradient larger than a bucket gets one of its own). A
  // parameter without a gradient gets a zero one. `local` (this rank's loss) rides in the
  // last bucket; returns its mean over the ranks.
  float average_gradients(const std::vector<Tensor>& params, float local) const;
  // Seconds spent in average_gradients (copying, reducing, and waiting for the slowest
  // rank) since the last reset: the communication share of a step.
  double gradient_seconds() const { return gradient_seconds_; }
  void reset_gradient_seconds() const { gradient_seconds_ = 0; }
  // Element-wise sums over the ranks, in place; `what` names the exchange in the watchdog's line.
  void sum(std::span<double> values, const char* what = "the metrics all-reduce") const;
  // All-gathers every rank's facts. Throws on every rank alike when any rank failed (that
  // rank rethrows nothing here: it throws its own error after this returns) or when a rank's
  // hashes differ from rank 0's: a ConfigError naming the ranks.
  void check_start(const StartFacts& mine) const;
  // Throws Error naming the ranks whose `hash` (of their weights) differs from rank 0's.
  void check_identical(uint64_t hash, const std::string& what) const;
  // Prints "nnlab: rank R on HOST: message" on stderr and ends the whole job (MPI_Abort),
  // for an error one rank met alone, which would leave the others waiting.
  [[noreturn]] void abort(const std::string& message) const;

  // The longest a rank waits inside one collective for the others (default 60 s). Past it,
  // a watchdog thread prints "nnlab: rank R on HOST: ..." and ends this process, and mpirun
  // then stops the job: a rank that is stopped, hung or cut off by its network otherwise
  // leaves the others waiting for ever (MPI has no timeouts of its own).
  void set_timeout(double seconds) { timeout_seconds_ = seconds; }
  double timeout() const { return timeout_seconds_; }

  int64_t bucket_bytes() const { return bucket_bytes_; }
  void set_bucket_bytes(int64_t bytes) { bucket_bytes_ = bytes; }  // default 25 MB, DDP's

  ReplicaGroup(const ReplicaGroup&) = delete;
  ReplicaGroup& operator=(const ReplicaGroup&) = delete;

 private:
  ReplicaGroup();
  friend class CollectiveWait;
  void watch();  // the watchdog thread's loop
  int rank_ = 0, size_ = 1;
  std::atomic<double> timeout_seconds_{60};
  // When the collective now running began (steady clock, ns), with its name; 0 when none.
  mutable std::atomic<int64_t> waiting_since_ns_{0};
  mutable std::atomic<const char*> waiting_in_{""};
  std::atomic<bool> stopping_{false};
  std::thread watchdog_;
  bool initialised_ = false;
  mutable double gradient_seconds_ = 0;
  int64_t bucket_bytes_ = 25 << 20;
  std::string host_;
};

// 64-bit FNV-1a of bytes, continuing from `seed` (start with fnv_offset()).
uint64_t fingerprint(std::span<const std::byte> bytes, uint64_t seed);
constexpr uint64_t fnv_offset() { return 0xcbf29ce484222325ull; }

}  // namespace nnlab::dist
