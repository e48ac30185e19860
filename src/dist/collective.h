// Completing MPI requests under the replica group's time bound (internal to src/dist/).
//
// Every collective of a distributed run is started nonblocking (MPI_I*) and completed by
// complete(), which the main thread runs: it tests the requests with a yield (a sleep once
// the wait is long), and meanwhile keeps a roll call on a side communicator. Each rank
// announces to rank 0 that it has reached its k-th wait, and rank 0 announces its own to
// every rank; while a wait lasts, they repeat it every second or so. Past --dist-timeout
// seconds, the rank that can tell prints one line naming the ranks (and their hosts) that
// never reached this wait or fell silent in it, and ends the job (MPI_Abort): rank 0 knows
// every rank; another rank knows only whether rank 0 answers, and otherwise leaves the
// verdict to rank 0.
//
//   MPI_Request r[2];
//   MPI_Iallreduce(..., &r[0]);
//   MPI_Iallreduce(..., &r[1]);
//   dist::complete(group, r, "the gradient all-reduce");
//
// Every rank must call complete() the same number of times in the same order (as it must
// start the same collectives), since the roll call counts the calls.
#pragma once

#ifdef NNLAB_WITH_MPI
#include <mpi.h>

#include <span>

namespace nnlab::dist {

class ReplicaGroup;

// Waits until every request in `requests` is complete (they are then MPI_REQUEST_NULL).
// `what` names the exchange in the fault line ("the gradient all-reduce"); it must outlive
// the call (a string literal). Throws Error when MPI reports an error. In a group of one
// it is MPI_Waitall.
void complete(const ReplicaGroup& group, std::span<MPI_Request> requests, const char* what);

}  // namespace nnlab::dist
#endif
