#include "nnlab/dist/replica_group.h"

#include "dist/collective_wait.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#ifdef NNLAB_WITH_MPI
#include <mpi.h>

#include "dist/collective.h"
#include "dist/presence.h"
#endif

namespace nnlab::dist {

namespace {

// The size mpirun gave this process; 1 when it was not started by mpirun.
int launched_size() {
  // OpenMPI's launcher sets it (the build links OpenMPI); other launchers are not detected.
  const char* s = std::getenv("OMPI_COMM_WORLD_SIZE");
  if (!s) return 1;
  char* end = nullptr;
  const long n = std::strtol(s, &end, 10);
  return end != s && n > 1 ? static_cast<int>(n) : 1;
}

std::string this_host() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "?";
  return name;
}

std::string rank_list(const std::vector<int>& ranks) {
  std::string out;
  for (int r : ranks) out += (out.empty() ? "" : ", ") + std::to_string(r);
  return (ranks.size() == 1 ? "rank " : "ranks ") + out;
}


}  // namespace

void ReplicaGroup::watch() {
  while (!stopping_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const int64_t since = waiting_since_ns_;
    if (since == 0) continue;
    // The main thread judges a wait it polls (dist::complete); this acts only when it is
    // stuck inside one MPI call, whose progress stamp then stops moving.
    const double stuck =
        static_cast<double>(CollectiveWait::now_ns() - std::max<int64_t>(since, progress_ns_)) * 1e-9;
    if (stuck <= timeout_seconds_) continue;
    // No MPI call here (only the main thread calls MPI): this process ends, and mpirun,
    // seeing a rank exit non-zero, stops the others.
    std::fprintf(stderr,
                 "nnlab: rank %d on %s: no answer from the other ranks for %.0f s in %s (a rank is hung, stopped "
                 "or cut off from this host); stopping the job (--dist-timeout sets this bound)\n",
                 rank_, host_.c_str(), stuck, waiting_in_.load());
    std::fflush(stderr);
    std::_Exit(1);
  }
}

ReplicaGroup& ReplicaGroup::world() {
  static ReplicaGroup group;
  return group;
}

ReplicaGroup::ReplicaGroup() : host_(this_host()) {
  const int n = launched_size();
  if (n <= 1) return;
#ifdef NNLAB_WITH_MPI
  int provided = 0;
  // Only the main thread calls MPI (the data workers and the OpenMP team never do).
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
    throw Error("MPI_Init failed: check the mpirun line (see docs/distributed.md)");
  initialised_ = true;
  // Errors come back as codes (thrown as Error) instead of aborting inside the library.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  watchdog_ = std::thread([this] { watch(); });
  // Every rank's host name, for the line that names a silent rank.
  constexpr size_t kName = 256;
  char mine[kName] = {};
  std::snprintf(mine, sizeof mine, "%s", host_.c_str());
  std::vector<char> all(kName * static_cast<size_t>(size_));
  {
    const CollectiveWait wait(*this, "the start-up exchange of host names");
    check(MPI_Allgather(mine, static_cast<int>(kName), MPI_CHAR, all.data(), static_cast<int>(kName), MPI_CHAR,
                        MPI_COMM_WORLD),
          "MPI_Allgather");
    for (size_t r = 0; r < static_cast<size_t>(size_); ++r) hosts_.emplace_back(&all[r * kName]);
    presence_ = std::make_unique<Presence>(rank_, size_, hosts_);
  }
#else
  throw Error(fmt::format("started by mpirun with {} ranks, but this nnlab was built without MPI: install "
                          "libopenmpi-dev and rebuild (cmake -DNNLAB_MPI=ON)",
                          n));
#endif
}

ReplicaGroup::~ReplicaGroup() {
#ifdef NNLAB_WITH_MPI
  int finalized = 0;
  if (initialised_ && MPI_Finalized(&finalized) == MPI_SUCCESS && !finalized) {
    // MPI_Finalize waits for every rank: the watchdog bounds it.
    const CollectiveWait wait(*this, "MPI_Finalize");
    presence_.reset();
    MPI_Finalize();
  }
#endif
  stopping_ = true;
  if (watchdog_.joinable()) watchdog_.join();
}

const std::string& ReplicaGroup::host_of(int rank) const {
  return hosts_.empty() ? host_ : hosts_.at(static_cast<size_t>(rank));
}

void ReplicaGroup::broadcast(const std::vector<Tensor>& tensors) const {
  if (!distributed()) return;
#ifdef NNLAB_WITH_MPI
  std::vector<MPI_Request> requests(tensors.size(), MPI_REQUEST_NULL);
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (!t.is_contiguous()) throw Error("broadcast: a model tensor is not contiguous");
    check(MPI_Ibcast(t.data(), static_cast<int>(t.numel()), MPI_FLOAT, 0, MPI_COMM_WORLD, &requests[i]),
          "MPI_Ibcast");
  }
  complete(*this, requests, "the broadcast of rank 0's model");
  // Written behind the tensors' backs: a new version, so that no kernel keeps using a copy of
  // the old values (a convolution's reordered weights, a folded batch norm).
  for (const Tensor& t : tensors) t.bump_version();
#endif
}

void ReplicaGroup::sum(std::span<double> values, const char* what) const {
  if (!distributed() || values.empty()) return;
#ifdef NNLAB_WITH_MPI
  MPI_Request r = MPI_REQUEST_NULL;
  check(MPI_Iallreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_SUM,
                       MPI_COMM_WORLD, &r),
        "MPI_Iallreduce");
  complete(*this, {&r, 1}, what);
#endif
}

void ReplicaGroup::check_start(const StartFacts& mine) const {
  if (!distributed()) return;
#ifdef NNLAB_WITH_MPI
  const uint64_t sent[3] = {mine.failed ? 1u : 0u, mine.config, mine.data};
  std::vector<uint64_t> all(3 * static_cast<size_t>(size_));
  MPI_Request r = MPI_REQUEST_NULL;
  check(MPI_Iallgather(sent, 3, MPI_UINT64_T, all.data(), 3, MPI_UINT64_T, MPI_COMM_WORLD, &r), "MPI_Iallgather");
  complete(*this, {&r, 1}, "the start-up check");
  if (mine.failed) return;  // the caller throws its own error
  std::vector<int> failed, config, data;
  for (int r = 0; r < size_; ++r) {
    const uint64_t* f = &all[3 * static_cast<size_t>(r)];
    if (f[0]) failed.push_back(r);
    else if (f[1] != all[1]) config.push_back(r);
    else if (f[2] != all[2]) data.push_back(r);
  }
  if (!failed.empty())
    throw Error(fmt::format("{} could not start (its message says why); every rank stops", rank_list(failed)));
  if (all[0]) return;  // unreachable: rank 0 is in `failed`
  if (!config.empty())
    throw ConfigError(fmt::format("{} of {} started with a different configuration (flags, --config file, or the "
                                  "checkpoint it resumes) than rank 0: give every rank the same command line and run "
                                  "directory",
                                  rank_list(config), size_));
  if (!data.empty())
    throw ConfigError(fmt::format("{} of {} read a different dataset than rank 0 (sizes or samples differ): give "
                                  "every host the same data files",
                                  rank_list(data), size_));
#endif
}

void ReplicaGroup::check_identical(uint64_t hash, const std::string& what) const {
  if (!distributed()) return;
#ifdef NNLAB_WITH_MPI
  std::vector<uint64_t> all(static_cast<size_t>(size_));
  MPI_Request r = MPI_REQUEST_NULL;
  check(MPI_Iallgather(&hash, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD, &r), "MPI_Iallgather");
  complete(*this, {&r, 1}, "the weight check");
  std::vector<int> differ;
  for (int r = 1; r < size_; ++r)
    if (all[static_cast<size_t>(r)] != all[0]) differ.push_back(r);
  if (!differ.empty())
    throw Error(fmt::format("{}: {} differ from rank 0; please report this as a bug", what, rank_list(differ)));
#endif
}

void ReplicaGroup::abort(const std::string& message) const {
  std::fprintf(stderr, "nnlab: rank %d on %s: %s\n", rank_, host_.c_str(), message.c_str());
  std::fflush(stderr);
#ifdef NNLAB_WITH_MPI
  if (initialised_) MPI_Abort(MPI_COMM_WORLD, 1);
#endif
  std::_Exit(1);
}

}  // namespace nnlab::dist
