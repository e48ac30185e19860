// How fast the link between the ranks is, measured with the gradient reducer itself: the
// time of one averaging of `bytes` of gradients (in one bucket, or in the group's bucket
// size), so that docs/scaling.md's step model is calibrated on what training pays.
//
//   mpirun -np 2 nnlab bench --allreduce        # the CLI's front end
#pragma once

#include <cstdint>
#include <vector>

#include "nnlab/dist/replica_group.h"

namespace nnlab::dist {

struct LinkSample {
  int64_t bytes = 0;
  double median_seconds = 0;  // of one averaging, over the repeats
  double p90_seconds = 0;
  // Bus bandwidth, as NCCL's tests define it: 2(N-1)/N x bytes / time, in bytes/s; what a
  // ring all-reduce moves over each link.
  double bus_bytes_per_second = 0;
};

// One sample per size, each the median of `repeats` timed averagings after two untimed.
// Every rank must call it with the same arguments.
std::vector<LinkSample> probe_link(const ReplicaGroup& group, const std::vector<int64_t>& sizes_bytes, int repeats);

// time = latency + bytes / bandwidth: the best bandwidth of the samples, and the smallest
// sample's time beyond its transfer at it.
struct LinkModel {
  double latency_seconds = 0;
  double bus_bytes_per_second = 0;
};
LinkModel fit_link(const std::vector<LinkSample>& samples, int64_t ranks);

}  // namespace nnlab::dist
