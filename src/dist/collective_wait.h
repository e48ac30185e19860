// The watchdog's view of a collective: while a CollectiveWait lives, this rank counts as
// waiting for the others in `call` (see ReplicaGroup::set_timeout).
#pragma once

#include <chrono>
#include <cstdint>

#include <fmt/format.h>

#include "nnlab/dist/replica_group.h"

#ifdef NNLAB_WITH_MPI
#include <mpi.h>
#endif

namespace nnlab::dist {

// Marks this rank as waiting in a blocking MPI call (start-up, MPI_Finalize) for the
// watchdog, for the guard's lifetime; collectives are completed by dist::complete()
// (collective.h), which polls and judges the wait itself.
class CollectiveWait {
 public:
  CollectiveWait(const ReplicaGroup& group, const char* call) : group_(group) {
    group_.waiting_in_ = call;
    const int64_t t = now_ns();
    group_.progress_ns_ = t;
    group_.waiting_since_ns_ = t;
  }
  ~CollectiveWait() { group_.waiting_since_ns_ = 0; }
  static int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  CollectiveWait(const CollectiveWait&) = delete;
  CollectiveWait& operator=(const CollectiveWait&) = delete;

 private:
  const ReplicaGroup& group_;
};

#ifdef NNLAB_WITH_MPI
// Throws Error for an MPI call that failed (errors come back as codes: MPI_ERRORS_RETURN).
inline void check(int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING] = {};
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw Error(fmt::format("{} failed: {} (another rank may have stopped; see its message)", call, text));
}
#endif

}  // namespace nnlab::dist
