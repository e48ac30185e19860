#ifdef NNLAB_WITH_MPI
#include "dist/presence.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "dist/collective.h"
#include "dist/collective_wait.h"
#include "nnlab/dist/replica_group.h"
#include "nnlab/error.h"

namespace nnlab::dist {

namespace {

constexpr int kTag = 7;
// A wait first yields between tests (what OpenMPI's own blocking wait does when
// oversubscribed), then, once it has lasted this long, sleeps: a rank that waits seconds
// for a slow one leaves its core to it.
constexpr int64_t kYieldNs = 20'000'000;
constexpr auto kSleep = std::chrono::microseconds(500);
// How often a waiting rank reads the roll call.
constexpr int64_t kPollNs = 1'000'000;

int64_t now_ns() { return CollectiveWait::now_ns(); }

// A waiting rank repeats its announcement this often, and one not heard for three of them
// has fallen silent: 1 s, or a fifth of a bound under 5 s.
int64_t repeat_ns(double timeout_s) { return static_cast<int64_t>(std::clamp(timeout_s / 5, 0.05, 1.0) * 1e9); }

}  // namespace

void complete(const ReplicaGroup& group, std::span<MPI_Request> requests, const char* what) {
  Presence::complete(group, requests, what);
}

Presence::Presence(int rank, int size, std::vector<std::string> hosts)
    : rank_(rank), size_(size), hosts_(std::move(hosts)) {
  check(MPI_Comm_dup(MPI_COMM_WORLD, &side_), "MPI_Comm_dup");
  MPI_Comm_set_errhandler(side_, MPI_ERRORS_RETURN);
  const int64_t t = now_ns();
  if (rank_ == 0)
    for (int r = 1; r < size_; ++r) peers_.push_back({r, 0, t, 0});
  else
    peers_.push_back({0, 0, t, 0});
  receives_.assign(peers_.size(), MPI_REQUEST_NULL);
  done_.resize(peers_.size());
  for (size_t i = 0; i < peers_.size(); ++i) post(i);
}

Presence::~Presence() {
  // The peers' last announcements may still be on their way: the receives are cancelled,
  // the sends (8 bytes, sent eagerly) left to MPI_Finalize.
  for (MPI_Request& r : receives_) {
    MPI_Cancel(&r);
    MPI_Wait(&r, MPI_STATUS_IGNORE);
  }
  for (Sent& s : sent_)
    if (s.request != MPI_REQUEST_NULL) MPI_Request_free(&s.request);
  if (side_ != MPI_COMM_NULL) MPI_Comm_free(&side_);
}

void Presence::post(size_t peer) {
  check(MPI_Irecv(&peers_[peer].buffer, 1, MPI_INT64_T, peers_[peer].rank, kTag, side_, &receives_[peer]),
        "MPI_Irecv");
}

void Presence::send_all(int64_t value) {
  for (const Peer& p : peers_) {
    sent_.push_back({value, MPI_REQUEST_NULL});
    check(MPI_Isend(&sent_.back().value, 1, MPI_INT64_T, p.rank, kTag, side_, &sent_.back().request), "MPI_Isend");
  }
}

void Presence::arrive(int64_t t) {
  ++waits_;
  wait_start_ns_ = t;
  last_sent_ns_ = t;
  send_all(waits_);
}

void Presence::poll(int64_t t, double timeout_s) {
  for (;;) {
    int count = 0;
    check(MPI_Testsome(static_cast<int>(receives_.size()), receives_.data(), &count, done_.data(),
                       MPI_STATUSES_IGNORE),
          "MPI_Testsome");
    if (count == MPI_UNDEFINED || count == 0) break;
    for (int k = 0; k < count; ++k) {
      Peer& p = peers_[static_cast<size_t>(done_[static_cast<size_t>(k)])];
      p.reached = std::max(p.reached, p.buffer);
      p.heard_ns = t;
      post(static_cast<size_t>(done_[static_cast<size_t>(k)]));
    }
  }
  while (!sent_.empty()) {
    int flag = 0;
    check(MPI_Test(&sent_.front().request, &flag, MPI_STATUS_IGNORE), "MPI_Test");
    if (!flag) break;
    sent_.pop_front();
  }
  const int64_t every = repeat_ns(timeout_s);
  if (t - wait_start_ns_ >= every && t - last_sent_ns_ >= every) {
    last_sent_ns_ = t;
    send_all(waits_);
  }
}

std::string Presence::who(int rank) const {
  return fmt::format("{} on {}", rank, hosts_[static_cast<size_t>(rank)]);
}

void Presence::judge(int64_t t, double timeout_s, const char* what) const {
  const double waited = static_cast<double>(t - wait_start_ns_) * 1e-9;
  if (waited < timeout_s) return;
  // Ranks that never reached this wait are the surest culprits; failing those, the ones
  // that reached it and then stopped answering (stopped there, or cut off).
  std::vector<const Peer*> never, silent;
  double silent_for = 0;
  for (const Peer& p : peers_) {
    if (p.reached < waits_) never.push_back(&p);
    else if (t - p.heard_ns > 3 * repeat_ns(timeout_s)) {
      silent.push_back(&p);
      silent_for = std::max(silent_for, static_cast<double>(t - p.heard_ns) * 1e-9);
    }
  }
  const auto& named = never.empty() ? silent : never;
  if (!named.empty()) {
    std::string ranks;
    for (const Peer* p : named) ranks += (ranks.empty() ? "" : ", ") + who(p->rank);
    const bool one = named.size() == 1;
    const std::string how =
        never.empty() ? fmt::format("{} reached exchange {}, which rank {} waits in, then fell silent", one ? "it" : "they",
                                    waits_, who(rank_))
                      : fmt::format("{} never reached exchange {}, which rank {} waits in", one ? "it" : "they",
                                    waits_, who(rank_));
    stop(fmt::format("nnlab: {}{} {} not answered for {:.0f} s in {} ({}): a process hung or stopped, or a host cut off "
                     "from the network; stopping the job (--dist-timeout sets this bound)",
                     one ? "rank " : "ranks ", ranks, one ? "has" : "have", never.empty() ? silent_for : waited, what,
                     how));
  }
  // Every rank this one hears from answers. Rank 0 gives a slow exchange one more bound;
  // the others leave the verdict to rank 0 as long as it answers, within a last limit.
  const double limit = rank_ == 0 ? 2 * timeout_s : 3 * timeout_s + 1;
  if (waited < limit) return;
  stop(fmt::format("nnlab: rank {}: no answer from the other ranks for {:.0f} s in {} (exchange {}; {} reached it and "
                   "answer{}, but it has not completed: a network too slow for this bound, or stalled); stopping the "
                   "job (--dist-timeout sets this bound)",
                   who(rank_), waited, what, waits_, rank_ == 0 ? "every rank" : "rank " + who(0),
                   rank_ == 0 ? "" : "s"));
}

void Presence::stop(const std::string& line) {
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::_Exit(1);
}

void Presence::complete(const ReplicaGroup& group, std::span<MPI_Request> requests, const char* what) {
  if (requests.empty()) return;
  Presence* self = group.presence_.get();
  if (!self) {
    check(MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE), "MPI_Waitall");
    return;
  }
  const double timeout_s = group.timeout();
  const int64_t start = now_ns();
  // For the watchdog, which acts only if this loop stops turning (stuck inside one call).
  group.waiting_in_ = what;
  group.progress_ns_ = start;
  group.waiting_since_ns_ = start;
  struct Done {
    const ReplicaGroup& g;
    ~Done() { g.waiting_since_ns_ = 0; }
  } done{group};
  self->arrive(start);
  self->poll(start, timeout_s);  // what came during the last exchange: the queue stays short
  int64_t next_poll = start + kPollNs;
  for (;;) {
    int flag = 0;
    check(MPI_Testall(static_cast<int>(requests.size()), requests.data(), &flag, MPI_STATUSES_IGNORE), "MPI_Testall");
    if (flag) return;
    const int64_t t = now_ns();
    group.progress_ns_ = t;
    if (t >= next_poll) {
      self->poll(t, timeout_s);
      self->judge(t, timeout_s, what);
      next_poll = t + kPollNs;
    }
    if (t - start < kYieldNs) std::this_thread::yield();
    else std::this_thread::sleep_for(kSleep);
  }
}

}  // namespace nnlab::dist
#endif
