// ReplicaGroup: the processes of one data-parallel training job started by mpirun, each
// holding a replica of the model (PyTorch's DistributedDataParallel on OpenMPI).
//
//   dist::ReplicaGroup& group = dist::ReplicaGroup::world();
//   group.broadcast(state);                          // rank 0's weights everywhere
//   ... forward, backward on this rank's share of the batch, with a GradientReducer
//   (gradient_reducer.h) averaging the gradients as backward produces them ...
//
// A process not started by mpirun (or started as its only rank) is a group of one: it never
// initialises MPI and every call returns at once, so single-process training pays nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
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

class Presence;  // the roll call of src/dist/presence.h

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
  // The host name of rank `rank` (gathered at start-up; this host's in a group of one).
  const std::string& host_of(int rank) const;

  // Every rank's tensors take rank 0's values (same shapes, same order on every rank).
  void broadcast(const std::vector<Tensor>& tensors) const;
  // Element-wise sums over the ranks, in place; `what` names the exchange in the fault line.
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
  // the waiting rank that can tell prints "nnlab: rank R on HOST has not answered ..."
  // naming the silent rank and ends the job (src/dist/collective.h): a rank that is
  // stopped, hung or cut off by its network otherwise leaves the others waiting for ever
  // (MPI has no timeouts of its own). A watchdog thread ends this process if the main
  // thread stays stuck inside one MPI call that long.
  void set_timeout(double seconds) { timeout_seconds_ = seconds; }
  double timeout() const { return timeout_seconds_; }

  // The GradientReducer's bucket size.
  int64_t bucket_bytes() const { return bucket_bytes_; }
  void set_bucket_bytes(int64_t bytes) { bucket_bytes_ = bytes; }  // default 25 MB, DDP's

  ReplicaGroup(const ReplicaGroup&) = delete;
  ReplicaGroup& operator=(const ReplicaGroup&) = delete;

 private:
  ReplicaGroup();
  friend class CollectiveWait;
  friend class Presence;
  void watch();  // the watchdog thread's loop
  int rank_ = 0, size_ = 1;
  std::atomic<double> timeout_seconds_{60};
  // When the collective now running began (steady clock, ns), with its name; 0 when none.
  mutable std::atomic<int64_t> waiting_since_ns_{0};
  mutable std::atomic<const char*> waiting_in_{""};
  // When the waiting main thread last tested its requests: the watchdog's clock.
  mutable std::atomic<int64_t> progress_ns_{0};
  std::atomic<bool> stopping_{false};
  std::thread watchdog_;
  bool initialised_ = false;
  int64_t bucket_bytes_ = 25 << 20;
  std::string host_;
  std::vector<std::string> hosts_;      // by rank
  std::unique_ptr<Presence> presence_;  // null in a group of one
};

}  // namespace nnlab::dist
