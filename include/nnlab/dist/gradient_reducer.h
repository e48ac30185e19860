// GradientReducer: averages a model's gradients over the ranks of a ReplicaGroup while
// backward still runs, as PyTorch's DDP reducer. Parameters are packed into buckets of at
// most group.bucket_bytes() (the first at most 1 MB, as DDP), in reverse order (roughly the order backward finishes them).
// A hook on every parameter copies its gradient into its bucket the moment backward has
// it; a full bucket starts a nonblocking MPI all-reduce at once, so communication overlaps
// the rest of backward.
//
//   dist::GradientReducer reducer(group, model.parameters());
//   reducer.begin(local_loss);   // before backward
//   loss.backward();             // buckets start as their gradients are ready
//   float mean_loss = reducer.finish();   // all buckets done: every grad() averaged
//
// Buckets start in index order on every rank (a bucket whose turn has not come waits for
// the ones before it), so all ranks issue the same collectives in the same order, and the
// same sizes always reduce in the same order: the same N and seed give the same bits. In a
// group of one, nothing is registered and finish() returns the local loss.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "nnlab/autograd_hooks.h"
#include "nnlab/dist/replica_group.h"
#include "nnlab/tensor.h"

namespace nnlab::dist {

class GradientReducer {
 public:
  GradientReducer(const ReplicaGroup& group, std::vector<Tensor> params);
  ~GradientReducer();

  // Opens a step: `local` (this rank's loss) rides in the first bucket.
  void begin(float local);
  // Starts what backward left (parameters it gave no gradient get a zero one), waits for
  // every bucket, writes the averages into the grad()s; returns the mean loss over ranks.
  float finish();

  int64_t buckets() const { return static_cast<int64_t>(buckets_.size()); }
  // Buckets already sent in this step (during backward, before finish() is called).
  int64_t buckets_started() const { return static_cast<int64_t>(next_to_start_); }
  // Seconds finish() spent waiting for the all-reduces since the last reset: what overlap
  // did not hide (the communication share of a step).
  double wait_seconds() const { return wait_seconds_; }
  void reset_wait_seconds() { wait_seconds_ = 0; }

  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

 private:
  struct Bucket {
    std::vector<size_t> params;  // indices into params_
    std::vector<float> data;     // the gradients packed, plus the loss in bucket 0
    size_t missing = 0;          // parameters whose gradient has not arrived this step
  };
  struct Requests;  // the MPI requests, one per bucket (mpi.h stays out of this header)
  void arrived(size_t param);
  void pack(size_t param, const Tensor& grad);  // into its bucket; one fewer missing
  void start_ready();  // starts buckets in index order while the next one is complete
  void start(Bucket& b);
  void poll();         // lets MPI progress the buckets in flight

  const ReplicaGroup& group_;
  std::vector<Tensor> params_;
  std::vector<Bucket> buckets_;
  std::vector<size_t> bucket_of_, offset_of_;
  std::vector<bool> arrived_;
  std::vector<autograd::PostAccumulateHook> hooks_;
  std::unique_ptr<Requests> requests_;
  size_t next_to_start_ = 0;
  bool open_ = false;
  float local_ = 0;  // the loss in a group of one
  double wait_seconds_ = 0;
};

}  // namespace nnlab::dist
