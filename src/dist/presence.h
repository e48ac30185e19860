// The roll call behind dist::complete() (collective.h): which ranks have reached the wait
// this rank is in, and which still answer, so that a wait past --dist-timeout ends with a
// line naming the silent rank and its host instead of the rank that waited.
//
// Messages are one int64 (the number of waits the sender has begun) on a duplicate of the
// world communicator, so they never meet the collectives' or anyone's point-to-point
// traffic. Rank 0 hears from every rank and tells every rank; the others hear rank 0 only:
// 2 (N - 1) messages per wait in all, plus one per second and rank while a wait lasts.
#pragma once

#ifdef NNLAB_WITH_MPI
#include <mpi.h>

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <vector>

namespace nnlab::dist {

class ReplicaGroup;

class Presence {
 public:
  // Collective over the world communicator (it duplicates it); `hosts` by rank.
  Presence(int rank, int size, std::vector<std::string> hosts);
  ~Presence();  // cancels the posted receives, frees the communicator
  Presence(const Presence&) = delete;
  Presence& operator=(const Presence&) = delete;

  // dist::complete(): the main thread's wait for `requests`, under `group`'s bound.
  static void complete(const ReplicaGroup& group, std::span<MPI_Request> requests, const char* what);

 private:
  struct Peer {
    int rank = 0;
    int64_t reached = 0;   // the last wait number heard from it
    int64_t heard_ns = 0;  // when it was last heard from
    int64_t buffer = 0;    // its posted receive's buffer
  };
  struct Sent {
    int64_t value = 0;
    MPI_Request request = MPI_REQUEST_NULL;
  };

  void arrive(int64_t now_ns);
  void poll(int64_t now_ns, double timeout_s);
  // Past the bound: prints the line and ends the job (returns while the wait may go on).
  void judge(int64_t now_ns, double timeout_s, const char* what) const;
  void send_all(int64_t value);
  void post(size_t peer);
  [[noreturn]] static void stop(const std::string& line);
  std::string who(int rank) const;

  int rank_, size_;
  std::vector<std::string> hosts_;
  MPI_Comm side_ = MPI_COMM_NULL;
  std::vector<Peer> peers_;
  std::vector<MPI_Request> receives_;  // one posted per peer, in peers_' order
  std::vector<int> done_;              // MPI_Testsome's indices
  std::deque<Sent> sent_;              // a deque: the buffers stay put while in flight
  int64_t waits_ = 0;                  // waits begun here
  int64_t wait_start_ns_ = 0, last_sent_ns_ = 0;
};

}  // namespace nnlab::dist
#endif
